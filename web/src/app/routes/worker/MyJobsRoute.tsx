import { WorkerJobsPage } from '@/features/jobs/components/worker/WorkerJobsPage';

export default WorkerJobsPage;
