import { RequestsPage } from '@/features/jobRequests/components/RequestsPage';

export default RequestsPage;
