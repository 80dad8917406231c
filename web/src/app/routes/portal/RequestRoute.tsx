import { useParams } from 'react-router';
import { Card } from '@/components/ui';
import { Attachments } from '@/features/attachments/components/Attachments';
import { RequestPage } from '@/features/jobRequests/components/RequestPage';

/** A customer's request, and the photos and drawings it attaches to it. */
export default function RequestRoute() {
  const { requestId = '' } = useParams();
  return (
    <>
      <RequestPage />
      <div className="page page-narrow">
        <Card title="Photos and documents">
          <Attachments parent={{ kind: 'request', id: requestId }} mode="customer" />
        </Card>
      </div>
    </>
  );
}
