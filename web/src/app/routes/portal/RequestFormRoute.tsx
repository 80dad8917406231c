import { RequestFormPage } from '@/features/jobRequests/components/RequestFormPage';

export default RequestFormPage;
