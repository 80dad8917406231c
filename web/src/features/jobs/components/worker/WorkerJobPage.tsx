import { Link } from 'react-router';
import { ErrorState, Loading, StatusBadge, useTitle } from '@/components/ui';
import { paths } from '@/lib/paths';
import { useJob } from '../../api/jobs';
import { CustomerContact, Schedule } from '../shared/JobFacts';
import { AddNoteForm, NotesList } from '../shared/Notes';
import { Timeline } from '../shared/Timeline';
import { StatusChanger } from '../shared/StatusChanger';
import { TaskList } from '../shared/TaskList';
import { TaskProgress } from '../shared/TaskProgress';

/** A worker's job on the phone: where to go, one-tap status, big task checkboxes, notes. */
export function WorkerJobPage({ jobId }: { jobId: string }) {
  const job = useJob(jobId);
  useTitle(job.data?.title ?? 'Job');
  const back = (
    <Link to={paths.worker.jobs} className="back-link">
      ← My jobs
    </Link>
  );
  if (job.isPending) return <Loading label="Loading job…" />;
  if (job.isError) {
    return (
      <div className="page page-mobile">
        {back}
        <ErrorState error={job.error} onRetry={() => void job.refetch()} />
      </div>
    );
  }
  const j = job.data;
  return (
    <div className="page page-mobile">
      {back}
      <header className="mobile-job-head">
        <h1 className="mobile-title">{j.title}</h1>
        <StatusBadge name={j.status.name} color={j.status.color} final={j.status.is_final} />
      </header>
      <section className="panel" aria-labelledby="where">
        <h2 id="where" className="panel-title">
          Customer
        </h2>
        <CustomerContact customer={j.customer} />
        <Schedule job={j} />
      </section>
      {j.description ? (
        <section className="panel" aria-labelledby="about">
          <h2 id="about" className="panel-title">
            About the job
          </h2>
          <p className="prewrap">{j.description}</p>
        </section>
      ) : null}
      <section className="panel" aria-labelledby="status">
        <h2 id="status" className="visually-hidden">
          Status
        </h2>
        <StatusChanger job={j} variant="buttons" />
      </section>
      <section className="panel" aria-labelledby="tasks">
        <div className="row row-between">
          <h2 id="tasks" className="panel-title">
            Tasks
          </h2>
          <TaskProgress done={j.tasks_done} total={j.tasks_total} />
        </div>
        <TaskList job={j} mode="worker" />
      </section>
      <section className="panel" aria-labelledby="notes">
        <h2 id="notes" className="panel-title">
          Notes
        </h2>
        <AddNoteForm jobId={j.id} large />
        <NotesList notes={j.notes} />
      </section>
      <section className="panel" aria-labelledby="activity">
        <h2 id="activity" className="panel-title">
          Activity
        </h2>
        <Timeline jobId={j.id} />
      </section>
    </div>
  );
}
