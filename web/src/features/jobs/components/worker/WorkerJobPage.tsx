import type { ReactNode } from 'react';
import { AboutPanel, BackLink, Panel, StatusBadge } from '@/components/ui';
import type { JobDetail } from '@/lib/api/types';
import { paths } from '@/lib/paths';
import { CustomerContact, CustomerCustomFields, JobCustomFields, JobPlace, Schedule } from '../shared/JobFacts';
import { JobFrame } from '../shared/JobFrame';
import { StatusChanger } from '../shared/StatusChanger';

/**
 * A worker's job on the phone: where to go, what it is about, one-tap status.
 * The app adds the other features' `panels` below (tasks, notes, activity).
 */
export function WorkerJobPage({ jobId, panels }: { jobId: string; panels: (job: JobDetail) => ReactNode }) {
  const back = <BackLink to={paths.worker.jobs}>My jobs</BackLink>;
  return (
    <JobFrame jobId={jobId} back={back} className="page page-mobile">
      {(j) => (
        <div className="page page-mobile">
          {back}
          <header className="mobile-job-head">
            <h1 className="mobile-title">{j.title}</h1>
            <StatusBadge name={j.status.name} color={j.status.color} final={j.status.is_final} />
          </header>
          <Panel id="where" title="Customer">
            <CustomerContact customer={j.customer} showAddress={!j.service_location} />
            <JobPlace job={j} />
            <CustomerCustomFields customer={j.customer} />
            <Schedule job={j} />
            <JobCustomFields job={j} />
          </Panel>
          <AboutPanel id="about" description={j.description} />
          <Panel id="status" title="Status" hideTitle>
            <StatusChanger job={j} variant="buttons" />
          </Panel>
          {panels(j)}
        </div>
      )}
    </JobFrame>
  );
}
