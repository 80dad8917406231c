import { StatusesPage } from '@/features/jobs/components/statuses/StatusesPage';

export default StatusesPage;
