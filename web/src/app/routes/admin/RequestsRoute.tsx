import { ReviewQueuePage } from '@/features/jobRequests/components/ReviewQueuePage';

export default ReviewQueuePage;
