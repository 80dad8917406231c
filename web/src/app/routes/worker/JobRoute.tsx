import { useParams } from 'react-router';
import { WorkerJobPage } from '@/features/jobs/components/worker/WorkerJobPage';

export default function JobRoute() {
  const { jobId = '' } = useParams();
  return <WorkerJobPage key={jobId} jobId={jobId} />;
}
