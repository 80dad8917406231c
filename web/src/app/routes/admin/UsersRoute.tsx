import { useCustomers } from '@/features/customers/api/customers';
import { UsersPage } from '@/features/users/components/UsersPage';
import { useBranches } from '@/lib/api/branches';

export default function UsersRoute() {
  const customers = useCustomers({ limit: 100 });
  const branches = useBranches();
  return <UsersPage customers={customers.data?.items} branches={branches.data} />;
}
