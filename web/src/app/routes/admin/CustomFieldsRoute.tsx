import { CustomFieldsPage } from '@/features/customFields/components/CustomFieldsPage';

export default CustomFieldsPage;
