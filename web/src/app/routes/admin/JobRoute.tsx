import { useParams } from 'react-router';
import { Card, TaskProgress } from '@/components/ui';
import { HistoryPanel } from '@/features/history/components/HistoryPanel';
import { JobDetailPage } from '@/features/jobs/components/admin/JobDetailPage';
import { AddNoteForm, NotesList } from '@/features/notes/components/Notes';
import { ShareLinksPanel } from '@/features/share/components/ShareLinksPanel';
import { TaskList } from '@/features/tasks/components/TaskList';

/** The admin's job: the job's page from jobs, with tasks, notes, history and share links. */
export default function JobRoute() {
  const { jobId = '' } = useParams();
  return (
    <JobDetailPage
      key={jobId}
      jobId={jobId}
      main={(job) => (
        <>
          <Card title="Tasks" actions={<TaskProgress done={job.tasks_done} total={job.tasks_total} />}>
            <TaskList job={job} mode="admin" />
          </Card>
          <Card title="Notes">
            <AddNoteForm jobId={job.id} />
            <NotesList notes={job.notes} />
          </Card>
          <HistoryPanel job={job} />
        </>
      )}
      aside={(job) => <ShareLinksPanel jobId={job.id} />}
    />
  );
}
