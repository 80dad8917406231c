import { RequestPage } from '@/features/jobRequests/components/RequestPage';

export default RequestPage;
