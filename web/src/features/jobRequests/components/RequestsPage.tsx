import { Link } from 'react-router';
import { Empty, PageHeader, QueryState, useTitle } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import { useRequests } from '../api/requests';
import { stateLabel } from './parts';

/** A customer's requests, with the way to a new one. */
export function RequestsPage() {
  useTitle('My requests');
  const requests = useRequests({ limit: 100 });
  return (
    <div className="page page-narrow">
      <PageHeader
        title="My requests"
        subtitle="Ask for work; follow it until it becomes a job."
        actions={
          <Link className="btn btn-primary" to={paths.portal.newRequest}>
            New request
          </Link>
        }
      />
      <QueryState query={requests} loading="Loading your requests…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty title="No requests yet">Requests you write appear here, drafts included.</Empty>
          ) : (
            <ul className="job-cards">
              {data.items.map((request) => (
                <li key={request.id}>
                  <Link to={paths.portal.request(request.id)} className="job-card">
                    <span className="job-card-title">{request.title}</span>
                    <span className="job-card-meta">{stateLabel(request.state)} · {formatDateTime(request.created_at)}</span>
                  </Link>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}
