import { useParams } from 'react-router';
import { Card } from '@/components/ui';
import { Attachments } from '@/features/attachments/components/Attachments';
import { ReviewPage } from '@/features/jobRequests/components/ReviewPage';
import { Conversation } from '@/features/messages/components/Conversation';

/** A request under review: the files its customer attached, and its conversation (with internal notes). */
export default function RequestRoute() {
  const { requestId = '' } = useParams();
  return (
    <>
      <ReviewPage />
      <div className="page page-narrow stack-lg">
        <Card title="Photos and documents">
          <Attachments parent={{ kind: 'request', id: requestId }} mode="admin" />
        </Card>
        <Conversation key={requestId} thread={{ kind: 'request', id: requestId }} staff />
      </div>
    </>
  );
}
