import { useParams } from 'react-router';
import { ReviewPage } from '@/features/jobRequests/components/ReviewPage';
import { Conversation } from '@/features/messages/components/Conversation';

/** The staff's view of a request, with its conversation (and internal notes). */
export default function RequestRoute() {
  const { requestId = '' } = useParams();
  return (
    <>
      <ReviewPage />
      <div className="page">
        <Conversation key={requestId} thread={{ kind: 'request', id: requestId }} staff />
      </div>
    </>
  );
}
