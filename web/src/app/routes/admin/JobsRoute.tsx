import { JobsListPage } from '@/features/jobs/components/admin/JobsListPage';
import { useWorkers } from '@/features/users/api/users';
import { useBranches } from '@/lib/api/branches';

export default function JobsRoute() {
  const workers = useWorkers();
  const branches = useBranches();
  return <JobsListPage workers={workers.data} branches={branches.data} />;
}
