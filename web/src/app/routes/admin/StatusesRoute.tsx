import { StatusesPage } from '@/features/statuses/components/StatusesPage';

export default StatusesPage;
