import { Link } from 'react-router';
import { Card, ErrorState, Loading, PageHeader, StatusBadge, useTitle } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import { useJob } from '../../api/jobs';
import { Schedule } from '../shared/JobFacts';
import { TaskList } from '../shared/TaskList';
import { TaskProgress } from '../shared/TaskProgress';
import { Timeline } from '../shared/Timeline';

/** A customer's job: read-only (no control here changes anything). */
export function PortalJobPage({ jobId }: { jobId: string }) {
  const job = useJob(jobId);
  useTitle(job.data?.title ?? 'Job');
  const back = (
    <Link to={paths.portal.jobs} className="back-link">
      ← My jobs
    </Link>
  );
  if (job.isPending) return <Loading label="Loading job…" />;
  if (job.isError) {
    return (
      <div className="page page-narrow">
        {back}
        <ErrorState error={job.error} onRetry={() => void job.refetch()} />
      </div>
    );
  }
  const j = job.data;
  return (
    <div className="page page-narrow" data-testid="portal-job">
      <PageHeader back={back} title={j.title} subtitle={<StatusBadge name={j.status.name} color={j.status.color} final={j.status.is_final} />} />
      <div className="stack-lg">
        <Card title="Overview">
          <dl className="facts">
            <div>
              <dt>Technician</dt>
              <dd>{j.assigned_worker?.name ?? 'Not assigned yet'}</dd>
            </div>
          </dl>
          <Schedule job={j} />
          {j.description ? <p className="prewrap">{j.description}</p> : null}
        </Card>
        <Card title="Progress" actions={<TaskProgress done={j.tasks_done} total={j.tasks_total} />}>
          <TaskList job={j} mode="readonly" />
        </Card>
        <Card title="Activity">
          <Timeline jobId={j.id} />
        </Card>
        {j.notes.length > 0 ? (
          <Card title="Updates">
            <ol className="notes">
              {j.notes.map((n) => (
                <li key={n.id} className="note">
                  <div className="note-meta">
                    <time dateTime={n.created_at}>{formatDateTime(n.created_at)}</time>
                  </div>
                  <p className="note-body">{n.body}</p>
                </li>
              ))}
            </ol>
          </Card>
        ) : null}
      </div>
    </div>
  );
}
