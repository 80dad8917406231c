import { ReviewPage } from '@/features/jobRequests/components/ReviewPage';

export default ReviewPage;
