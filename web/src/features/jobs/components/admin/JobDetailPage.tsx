import { useState, type ReactNode } from 'react';
import { BackLink, Button, ButtonLink, Card, ConfirmDialog, PageHeader, Pill, StatusBadge, toast } from '@/components/ui';
import { errorMessage } from '@/lib/api/errors';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import type { JobDetail } from '@/lib/api/types';
import { useArchiveJob } from '../../api/jobs';
import { JobFrame } from '../shared/JobFrame';
import { CustomerContact, CustomerCustomFields, JobCustomFields, JobPlace, Schedule } from '../shared/JobFacts';
import { StatusChanger } from '../shared/StatusChanger';

/**
 * The admin's job: header with edit and archive, description, status and
 * details. The app adds the other features' panels: `main` below the
 * description (tasks, notes, history), `aside` below the details (share links).
 */
export function JobDetailPage({ jobId, main, aside }: { jobId: string; main: (job: JobDetail) => ReactNode; aside: (job: JobDetail) => ReactNode }) {
  const archive = useArchiveJob(jobId);
  const [confirmArchive, setConfirmArchive] = useState(false);
  const back = <BackLink to={paths.admin.jobs}>All jobs</BackLink>;

  function setArchived(value: boolean) {
    archive.mutate(value, {
      onSuccess: () => {
        setConfirmArchive(false);
        toast(value ? 'Job archived' : 'Job restored');
      },
      onError: (e) => toast(errorMessage(e), 'error'),
    });
  }

  return (
    <JobFrame jobId={jobId} back={back} className="page">
      {(j) => (
        <div className="page">
          <PageHeader
            back={back}
            title={j.title}
            subtitle={
              <span className="row row-wrap">
                <StatusBadge name={j.status.name} color={j.status.color} final={j.status.is_final} />
                {j.is_archived ? <Pill>Archived</Pill> : null}
                <span className="muted">Created {formatDateTime(j.created_at)}</span>
              </span>
            }
            actions={
              <>
                <ButtonLink to={paths.admin.editJob(j.id)}>Edit</ButtonLink>
                {j.is_archived ? (
                  <Button onClick={() => setArchived(false)} busy={archive.isPending}>
                    Unarchive
                  </Button>
                ) : (
                  <Button variant="ghost" onClick={() => setConfirmArchive(true)}>
                    Archive
                  </Button>
                )}
              </>
            }
          />
          <div className="detail-grid">
            <div className="stack-lg">
              <Card title="Description">
                {j.description ? <p className="prewrap">{j.description}</p> : <p className="muted">No description.</p>}
              </Card>
              {main(j)}
            </div>
            <aside className="stack-lg" aria-label="Job details">
              <Card title="Status">
                <StatusChanger job={j} variant="select" />
              </Card>
              <Card title="Details">
                <dl className="facts">
                  <div>
                    <dt>Assigned worker</dt>
                    <dd>{j.assigned_worker?.name ?? <span className="muted">Unassigned</span>}</dd>
                  </div>
                </dl>
                <Schedule job={j} />
                <JobCustomFields job={j} />
                <h3 className="subheading">Customer</h3>
                <CustomerContact customer={j.customer} showAddress={!j.service_location} />
                <CustomerCustomFields customer={j.customer} />
                {j.service_location || j.site_contact ? <h3 className="subheading">Where</h3> : null}
                <JobPlace job={j} />
              </Card>
              {aside(j)}
            </aside>
          </div>
          <ConfirmDialog
            open={confirmArchive}
            title="Archive this job?"
            message="Archived jobs leave the worker’s list and the default jobs view. You can restore it later."
            confirmLabel="Archive"
            busy={archive.isPending}
            onClose={() => setConfirmArchive(false)}
            onConfirm={() => setArchived(true)}
          />
        </div>
      )}
    </JobFrame>
  );
}
