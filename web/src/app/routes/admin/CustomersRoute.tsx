import { CustomersPage } from '@/features/customers/components/CustomersPage';

export default CustomersPage;
