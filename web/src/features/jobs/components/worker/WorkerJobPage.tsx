import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ErrorState, Loading, StatusBadge, useTitle } from '@/components/ui';
import { paths } from '@/lib/paths';
import type { JobDetail } from '@/lib/api/types';
import { useJob } from '../../api/jobs';
import { CustomerContact, Schedule } from '../shared/JobFacts';
import { StatusChanger } from '../shared/StatusChanger';

/**
 * A worker's job on the phone: where to go, what it is about, one-tap status.
 * The app adds the other features' `panels` below (tasks, notes, activity).
 */
export function WorkerJobPage({ jobId, panels }: { jobId: string; panels: (job: JobDetail) => ReactNode }) {
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
      {panels(j)}
    </div>
  );
}
