import { useParams } from 'react-router';
import { Card } from '@/components/ui';
import { Attachments, NoteFiles } from '@/features/attachments/components/Attachments';
import { HistoryPanel } from '@/features/history/components/HistoryPanel';
import { JobDetailPage } from '@/features/jobs/components/admin/JobDetailPage';
import { AddNoteForm, NotesList } from '@/features/notes/components/Notes';
import { ShareLinksPanel } from '@/features/share/components/ShareLinksPanel';
import { TasksCard } from '@/features/tasks/components/TaskList';
import { Conversation } from '@/features/messages/components/Conversation';
import type { JobDetail } from '@/lib/api/types';
import { useCan } from '@/lib/auth/permissions';

/** The admin's job: the job's page from jobs, with tasks, notes, history and share links. */
export default function JobRoute() {
  const { jobId = '' } = useParams();
  return <JobDetailPage key={jobId} jobId={jobId} main={main} aside={aside} />;
}

/** Below the description: the tasks to edit, notes, the audit trail. */
function main(job: JobDetail) {
  return (
    <>
      <TasksCard job={job} mode="admin" />
      <Card title="Photos and documents">
        <Attachments parent={{ kind: 'job', id: job.id }} mode="admin" />
      </Card>
      <Card title="Notes">
        <AddNoteForm jobId={job.id} />
        <NotesList notes={job.notes} files={(noteId) => <NoteFiles noteId={noteId} mode="admin" />} />
      </Card>
      <JobHistory job={job} />
      <Conversation thread={{ kind: 'job', id: job.id }} staff />
    </>
  );
}

/** Below the details: links for people without a login. */
function aside(job: JobDetail) {
  return <ShareLinksPanel jobId={job.id} />;
}

/** The job's history, for a role that may read it (the API answers 403 to others). */
function JobHistory({ job }: { job: JobDetail }) {
  return useCan('history.read') ? <HistoryPanel job={job} /> : null;
}
