import type { ReactNode } from 'react';
import { Button, ErrorState, Loading, StatusBadge } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { useJobTimeline, type TimelineEntry } from '../api/timeline';

const BY: Record<string, string> = { ADMIN: 'Office', WORKER: 'Technician', CUSTOMER: 'Customer' };

function statusOf(entry: TimelineEntry): ReactNode {
  const s = entry.status;
  if (!s) return null;
  return s.name ? <StatusBadge name={s.name} color={s.color ?? '#64748b'} final={s.is_final ?? false} /> : 'a status no longer in use';
}

function visit(entry: TimelineEntry): string {
  return entry.scheduled_at ? formatDateTime(entry.scheduled_at) : '';
}

/** What happened to the job, as one sentence (or two, for a status and a new date at once). */
export function describe(entry: TimelineEntry): ReactNode {
  const task = `“${entry.task?.title ?? 'a task'}”`;
  switch (entry.kind) {
    case 'job_created':
      return (
        <>
          Job opened{entry.status ? <> as {statusOf(entry)}</> : null}
          {entry.scheduled_at ? `, visit booked for ${visit(entry)}` : null}
        </>
      );
    case 'job_updated':
      return (
        <>
          {entry.status ? <>Status changed to {statusOf(entry)}</> : null}
          {entry.status && entry.rescheduled ? '; ' : null}
          {entry.rescheduled ? (entry.scheduled_at ? `Visit moved to ${visit(entry)}` : 'Visit unscheduled') : null}
        </>
      );
    case 'task_added':
      return <>Task added: {task}</>;
    case 'task_completed':
      return <>Task done: {task}</>;
    case 'task_reopened':
      return <>Task reopened: {task}</>;
    case 'task_removed':
      return <>Task removed: {task}</>;
  }
}

/**
 * The job's timeline, newest first: what the customer and the technician may
 * follow (the database leaves out notes, descriptions and assignment).
 */
export function Timeline({ jobId }: { jobId: string }) {
  const timeline = useJobTimeline(jobId);
  if (timeline.isPending) return <Loading label="Loading activity…" />;
  if (timeline.isError) return <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />;
  const entries = timeline.data.pages.flatMap((p) => p.items);
  if (entries.length === 0) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <>
      <ol className="history" aria-label="Activity">
        {entries.map((entry) => (
          <li key={entry.id} className="history-item">
            <div className="timeline-line">{describe(entry)}</div>
            <div className="note-meta">
              <span>{entry.by ? BY[entry.by] : 'System'}</span>
              <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
            </div>
          </li>
        ))}
      </ol>
      {timeline.hasNextPage ? (
        <Button size="sm" onClick={() => void timeline.fetchNextPage()} busy={timeline.isFetchingNextPage}>
          Show earlier activity
        </Button>
      ) : null}
    </>
  );
}
