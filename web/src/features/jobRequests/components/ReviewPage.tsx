import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Button } from '@/components/ui/Button';
import { FormError, TextArea } from '@/components/ui/Field';
import { PageHeader, QueryState, useTitle } from '@/components/ui';
import { paths } from '@/lib/paths';
import { useApproveRequest, useRejectRequest, useRequest } from '../api/requests';
import { HistorySection, RequestFacts } from './parts';

/** A request, its history beside it, and the staff's decision. */
export function ReviewPage() {
  const { requestId = '' } = useParams();
  const request = useRequest(requestId);
  const approve = useApproveRequest();
  const reject = useRejectRequest();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  useTitle(request.data?.title ?? 'Request');

  async function decide(action: () => Promise<unknown>) {
    try {
      setError(null);
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The decision could not be saved');
    }
  }

  return (
    <div className="page">
      <QueryState query={request} loading="Loading the request…">
        {(data) => (
          <>
            <PageHeader title={data.title} back={<Link to={paths.admin.requests}>Requests to review</Link>} />
            <RequestFacts request={data} />
            {data.job_id ? (
              <p>
                <Link to={paths.admin.job(data.job_id)}>Open the job</Link>
              </p>
            ) : null}
            {data.state === 'submitted' ? (
              <div className="stack">
                <FormError message={error} />
                <Button variant="primary" busy={approve.isPending} onClick={() => decide(() => approve.mutateAsync({ id: data.id, approval: {} }))}>
                  Approve as a job
                </Button>
                <TextArea label="Reason to decline" name="reason" hint="The customer sees it." value={reason} onChange={(e) => setReason(e.target.value)} />
                <Button busy={reject.isPending} disabled={!reason.trim()} onClick={() => decide(() => reject.mutateAsync({ id: data.id, reason: reason.trim() }))}>
                  Decline
                </Button>
              </div>
            ) : null}
          </>
        )}
      </QueryState>
      <HistorySection requestId={requestId} />
    </div>
  );
}
