import type { ReactNode } from 'react';
import { BackLink, Card, PageHeader, StatusBadge } from '@/components/ui';
import type { JobDetail } from '@/lib/api/types';
import { paths } from '@/lib/paths';
import { JobCustomFields, JobPlace, Schedule } from '../shared/JobFacts';
import { JobFrame } from '../shared/JobFrame';

/**
 * A customer's job: read-only (no control here changes anything). The app adds
 * the other features' `panels` below the overview (progress, activity, updates).
 */
export function PortalJobPage({ jobId, panels }: { jobId: string; panels: (job: JobDetail) => ReactNode }) {
  const back = <BackLink to={paths.portal.jobs}>My jobs</BackLink>;
  return (
    <JobFrame jobId={jobId} back={back} className="page page-narrow">
      {(j) => (
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
              <JobPlace job={j} />
              <JobCustomFields job={j} />
              {j.description ? <p className="prewrap">{j.description}</p> : null}
            </Card>
            {panels(j)}
          </div>
        </div>
      )}
    </JobFrame>
  );
}
