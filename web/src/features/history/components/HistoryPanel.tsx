import { Button, Card, QueryState, toast } from '@/components/ui';
import { errorMessage } from '@/lib/api/errors';
import type { JobDetail } from '@/lib/api/types';
import { formatDateTime } from '@/lib/format';
import { useDownloadHistory, useJobHistory, type HistoryEntry } from '../api/history';
import { useJobStatuses } from '@/lib/api/jobStatuses';

const THING: Record<string, string> = { jobs: 'the job', job_tasks: 'a task', job_notes: 'a note', share_links: 'a share link' };
const VERB = { INSERT: 'created', UPDATE: 'changed', DELETE: 'deleted' } as const;
const FIELD: Record<string, string> = {
  status_id: 'status',
  assigned_worker_id: 'worker',
  customer_id: 'customer',
  scheduled_at: 'scheduled',
  completed_at: 'completed',
  is_completed: 'done',
  is_archived: 'archived',
  revoked_at: 'revoked',
  expires_at: 'expires',
};
const HIDDEN = new Set(['id', 'company_id', 'job_id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'version', 'author_id', 'share_link_id', 'open_count', 'last_opened_at']);
const HIDDEN_ON_CREATE = new Set(['position']);

/** The job's audit trail: who changed what, newest first. */
export function HistoryPanel({ job }: { job: Pick<JobDetail, 'id' | 'customer' | 'assigned_worker'> }) {
  const jobId = job.id;
  // Names for the ids in the trail that the job itself can tell.
  const names: Record<string, string> = {
    [job.customer.id]: job.customer.name,
    ...(job.assigned_worker ? { [job.assigned_worker.id]: job.assigned_worker.name } : {}),
  };
  const history = useJobHistory(jobId);
  const download = useDownloadHistory(jobId);
  const statuses = useJobStatuses();
  const statusName = (id: unknown) => statuses.data?.find((s) => s.id === id)?.name;

  function show(column: string, value: unknown): string {
    if (value === null || value === undefined || value === '') return '—';
    if (column === 'status_id') return statusName(value) ?? 'a deleted status';
    if (column.endsWith('_id')) return names[String(value)] ?? '(earlier value)';
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return formatDateTime(value);
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}…` : text;
  }

  function describe(entry: HistoryEntry): string[] {
    const changes = (entry.changes ?? {}) as Record<string, [unknown, unknown]>;
    return Object.entries(changes)
      .filter(([column]) => !HIDDEN.has(column) && !(entry.action === 'INSERT' && HIDDEN_ON_CREATE.has(column)))
      .filter(([column]) => !(entry.action === 'INSERT' && (changes[column]?.[1] === null || changes[column]?.[1] === false)))
      .map(([column, [before, after]]) => {
        const label = FIELD[column] ?? column.replace(/_/g, ' ');
        return entry.action === 'UPDATE' ? `${label}: ${show(column, before)} → ${show(column, after)}` : `${label}: ${show(column, entry.action === 'DELETE' ? before : after)}`;
      });
  }

  return (
    <Card
      title="History"
      actions={
        <Button size="sm" variant="ghost" busy={download.isPending} onClick={() => download.mutate(undefined, { onError: (e) => toast(errorMessage(e), 'error') })}>
          Download CSV
        </Button>
      }
    >
      <QueryState query={history} loading="Loading history…">
        {(data) => (
          <>
            <ol className="history" aria-label="History">
              {data.pages
                .flatMap((p) => p.items)
                .map((entry) => (
                  <li key={entry.id} className="history-item">
                    <div className="note-meta">
                      <span className="note-author">{entry.actor?.name ?? (entry.source === 'direct' ? 'Database change' : 'System')}</span>
                      <span>
                        {VERB[entry.action]} {THING[entry.table] ?? entry.table}
                      </span>
                      <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                    </div>
                    <ul className="history-changes">
                      {describe(entry).map((line) => (
                        <li key={line}>{line}</li>
                      ))}
                    </ul>
                  </li>
                ))}
            </ol>
            {history.hasNextPage ? (
              <Button size="sm" onClick={() => void history.fetchNextPage()} busy={history.isFetchingNextPage}>
                Show older changes
              </Button>
            ) : null}
          </>
        )}
      </QueryState>
    </Card>
  );
}
