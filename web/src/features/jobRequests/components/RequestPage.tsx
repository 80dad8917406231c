import { Link, useParams } from 'react-router';
import { Button } from '@/components/ui/Button';
import { PageHeader, QueryState, useTitle } from '@/components/ui';
import { paths } from '@/lib/paths';
import { useMoveRequest, useRequest } from '../api/requests';
import { HistorySection, RequestFacts } from './parts';

/** One request of the customer's, with its history. */
export function RequestPage() {
  const { requestId = '' } = useParams();
  const request = useRequest(requestId);
  const move = useMoveRequest();
  useTitle(request.data?.title ?? 'Request');
  return (
    <div className="page page-narrow">
      <QueryState query={request} loading="Loading the request…">
        {(data) => (
          <>
            <PageHeader title={data.title} back={<Link to={paths.portal.requests}>My requests</Link>} />
            <RequestFacts request={data} />
            {data.job_id ? (
              <p>
                <Link to={paths.portal.job(data.job_id)}>Follow the job</Link>
              </p>
            ) : null}
            {data.state === 'draft' || data.state === 'submitted' ? (
              <div className="row">
                {data.state === 'draft' ? (
                  <Button variant="primary" busy={move.isPending} onClick={() => move.mutate({ id: data.id, move: 'submit' })}>
                    Submit
                  </Button>
                ) : null}
                <Button busy={move.isPending} onClick={() => move.mutate({ id: data.id, move: 'withdraw' })}>
                  Withdraw
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
