import { useParams } from 'react-router';
import { RequestPage } from '@/features/jobRequests/components/RequestPage';
import { Conversation } from '@/features/messages/components/Conversation';

/** A customer's request, with its conversation with the shop. */
export default function RequestRoute() {
  const { requestId = '' } = useParams();
  return (
    <>
      <RequestPage />
      <div className="page page-narrow">
        <Conversation key={requestId} thread={{ kind: 'request', id: requestId }} staff={false} />
      </div>
    </>
  );
}
