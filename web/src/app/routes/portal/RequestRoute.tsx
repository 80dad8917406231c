import { useParams } from 'react-router';
import { Card } from '@/components/ui';
import { Attachments } from '@/features/attachments/components/Attachments';
import { RequestPage } from '@/features/jobRequests/components/RequestPage';
import { Conversation } from '@/features/messages/components/Conversation';

/** A customer's request: the photos and drawings it attaches, and its conversation with the shop. */
export default function RequestRoute() {
  const { requestId = '' } = useParams();
  return (
    <>
      <RequestPage />
      <div className="page page-narrow stack-lg">
        <Card title="Photos and documents">
          <Attachments parent={{ kind: 'request', id: requestId }} mode="customer" />
        </Card>
        <Conversation key={requestId} thread={{ kind: 'request', id: requestId }} staff={false} />
      </div>
    </>
  );
}
