import { useParams } from 'react-router';
import { PortalJobPage } from '@/features/jobs/components/portal/PortalJobPage';

export default function JobRoute() {
  const { jobId = '' } = useParams();
  return <PortalJobPage key={jobId} jobId={jobId} />;
}
