import { JobsListPage } from '@/features/jobs/components/admin/JobsListPage';
import { useWorkers } from '@/features/users/api/users';

export default function JobsRoute() {
  const workers = useWorkers();
  return <JobsListPage workers={workers.data} />;
}
