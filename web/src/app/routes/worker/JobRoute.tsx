import { useParams } from 'react-router';
import { Panel, TaskProgress } from '@/components/ui';
import { Attachments } from '@/features/attachments/components/Attachments';
import { Timeline } from '@/features/history/components/Timeline';
import { WorkerJobPage } from '@/features/jobs/components/worker/WorkerJobPage';
import { AddNoteForm, NotesList } from '@/features/notes/components/Notes';
import { TaskList } from '@/features/tasks/components/TaskList';
import { Conversation } from '@/features/messages/components/Conversation';
import type { JobDetail } from '@/lib/api/types';

/** A worker's job: the job's page from jobs, with big task checkboxes, notes and activity. */
export default function JobRoute() {
  const { jobId = '' } = useParams();
  return <WorkerJobPage key={jobId} jobId={jobId} panels={panels} />;
}

/** Below the status buttons: tasks to tick, notes, what happened so far. */
function panels(job: JobDetail) {
  return (
    <>
      <Panel id="tasks" title="Tasks" aside={<TaskProgress done={job.tasks_done} total={job.tasks_total} />}>
        <TaskList job={job} mode="worker" />
      </Panel>
      <Panel id="photos" title="Photos">
        <Attachments parent={{ kind: 'job', id: job.id }} mode="worker" />
      </Panel>
      <Panel id="notes" title="Notes">
        <AddNoteForm jobId={job.id} large />
        <NotesList notes={job.notes} />
      </Panel>
      <Conversation thread={{ kind: 'job', id: job.id }} staff large />
      <Panel id="activity" title="Activity">
        <Timeline jobId={job.id} />
      </Panel>
    </>
  );
}
