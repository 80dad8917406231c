import { useCustomers } from '@/features/customers/api/customers';
import { UsersPage } from '@/features/users/components/UsersPage';

export default function UsersRoute() {
  const customers = useCustomers({ limit: 100 });
  return <UsersPage customers={customers.data?.items} />;
}
