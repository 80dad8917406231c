import { RolesPage } from '@/features/roles/components/RolesPage';

export default RolesPage;
