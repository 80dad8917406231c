import { ImportsPage } from '@/features/imports/components/ImportsPage';

export default ImportsPage;
