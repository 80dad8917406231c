import { useState } from 'react';
import { Link } from 'react-router';
import { Button, ButtonLink, Card, ConfirmDialog, ErrorState, Loading, PageHeader, Pill, StatusBadge, toast, useTitle } from '@/components/ui';
import { errorMessage } from '@/lib/api/errors';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import { useArchiveJob, useJob } from '../../api/jobs';
import { CustomerContact, Schedule } from '../shared/JobFacts';
import { AddNoteForm, NotesList } from '../shared/Notes';
import { StatusChanger } from '../shared/StatusChanger';
import { TaskList } from '../shared/TaskList';
import { TaskProgress } from '../shared/TaskProgress';
import { HistoryPanel } from './HistoryPanel';
import { ShareLinksPanel } from './ShareLinksPanel';

export function JobDetailPage({ jobId }: { jobId: string }) {
  const job = useJob(jobId);
  const archive = useArchiveJob(jobId);
  const [confirmArchive, setConfirmArchive] = useState(false);
  useTitle(job.data?.title ?? 'Job');

  const back = (
    <Link to={paths.admin.jobs} className="back-link">
      ← All jobs
    </Link>
  );
  if (job.isPending) return <Loading label="Loading job…" />;
  if (job.isError) {
    return (
      <div className="page">
        {back}
        <ErrorState error={job.error} onRetry={() => void job.refetch()} />
      </div>
    );
  }
  const j = job.data;

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
          <Card title="Tasks" actions={<TaskProgress done={j.tasks_done} total={j.tasks_total} />}>
            <TaskList job={j} mode="admin" />
          </Card>
          <Card title="Notes">
            <AddNoteForm jobId={j.id} />
            <NotesList notes={j.notes} />
          </Card>
          <HistoryPanel
            jobId={j.id}
            names={{
              [j.customer.id]: j.customer.name,
              ...(j.assigned_worker ? { [j.assigned_worker.id]: j.assigned_worker.name } : {}),
            }}
          />
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
            <h3 className="subheading">Customer</h3>
            <CustomerContact customer={j.customer} />
          </Card>
          <ShareLinksPanel jobId={j.id} />
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
  );
}
