import { QueryState } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { useRequestHistory, type JobRequest, type RequestChange } from '../api/requests';

const STATE_LABELS: Record<string, string> = {
  draft: 'Draft',
  submitted: 'Submitted',
  approved: 'Approved',
  rejected: 'Declined',
  withdrawn: 'Withdrawn',
};

export const stateLabel = (state: string) => STATE_LABELS[state] ?? state;

/** What was asked for, as both sides read it. */
export function RequestFacts({ request }: { request: JobRequest }) {
  return (
    <dl className="facts">
      <dt>State</dt>
      <dd data-testid="request-state">{stateLabel(request.state)}</dd>
      <dt>Urgency</dt>
      <dd>{request.urgency}</dd>
      <dt>When</dt>
      <dd>{request.preferred_windows || '—'}</dd>
      <dt>Details</dt>
      <dd style={{ whiteSpace: 'pre-wrap' }}>{request.description || '—'}</dd>
      {request.rejected_reason ? (
        <>
          <dt>Reason</dt>
          <dd>{request.rejected_reason}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** Every change, newest first: who, what, why. */
export function RequestHistory({ changes }: { changes: RequestChange[] }) {
  return (
    <ol className="update-list" aria-label="History">
      {changes.map((change) => (
        <li key={change.id}>
          <strong>{change.field === 'state' ? `Now ${stateLabel(change.new_value ?? '')}` : `${change.field} changed`}</strong>
          {change.field !== 'state' ? (
            <span>
              {' '}
              from “{change.old_value ?? ''}” to “{change.new_value ?? ''}”
            </span>
          ) : null}
          <div className="muted">
            {formatDateTime(change.at)} · {change.actor_name ?? 'the system'}
            {change.reason ? ` · “${change.reason}”` : ''}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** The request's history section, loaded on its own. */
export function HistorySection({ requestId }: { requestId: string }) {
  const history = useRequestHistory(requestId);
  return (
    <section>
      <h2>History</h2>
      <QueryState query={history} loading="Loading the history…">
        {(changes) => <RequestHistory changes={changes} />}
      </QueryState>
    </section>
  );
}
