import { useParams } from 'react-router';
import { Card } from '@/components/ui';
import { Attachments } from '@/features/attachments/components/Attachments';
import { ReviewPage } from '@/features/jobRequests/components/ReviewPage';

/** A request under review, with the files its customer attached. */
export default function RequestRoute() {
  const { requestId = '' } = useParams();
  return (
    <>
      <ReviewPage />
      <div className="page page-narrow">
        <Card title="Photos and documents">
          <Attachments parent={{ kind: 'request', id: requestId }} mode="admin" />
        </Card>
      </div>
    </>
  );
}
