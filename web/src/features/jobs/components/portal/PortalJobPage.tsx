import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Card, ErrorState, Loading, PageHeader, StatusBadge, useTitle } from '@/components/ui';
import { paths } from '@/lib/paths';
import type { JobDetail } from '@/lib/api/types';
import { useJob } from '../../api/jobs';
import { Schedule } from '../shared/JobFacts';

/**
 * A customer's job: read-only (no control here changes anything). The app adds
 * the other features' `panels` below the overview (progress, activity, updates).
 */
export function PortalJobPage({ jobId, panels }: { jobId: string; panels: (job: JobDetail) => ReactNode }) {
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
        {panels(j)}
      </div>
    </div>
  );
}
