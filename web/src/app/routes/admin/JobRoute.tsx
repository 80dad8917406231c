import { useParams } from 'react-router';
import { JobDetailPage } from '@/features/jobs/components/admin/JobDetailPage';

export default function JobRoute() {
  const { jobId = '' } = useParams();
  return <JobDetailPage key={jobId} jobId={jobId} />;
}
