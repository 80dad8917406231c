import { useParams } from 'react-router';
import { TaskProgress } from '@/components/ui';
import { Timeline } from '@/features/history/components/Timeline';
import { WorkerJobPage } from '@/features/jobs/components/worker/WorkerJobPage';
import { AddNoteForm, NotesList } from '@/features/notes/components/Notes';
import { TaskList } from '@/features/tasks/components/TaskList';

/** A worker's job: the job's page from jobs, with big task checkboxes, notes and activity. */
export default function JobRoute() {
  const { jobId = '' } = useParams();
  return (
    <WorkerJobPage
      key={jobId}
      jobId={jobId}
      panels={(job) => (
        <>
          <section className="panel" aria-labelledby="tasks">
            <div className="row row-between">
              <h2 id="tasks" className="panel-title">
                Tasks
              </h2>
              <TaskProgress done={job.tasks_done} total={job.tasks_total} />
            </div>
            <TaskList job={job} mode="worker" />
          </section>
          <section className="panel" aria-labelledby="notes">
            <h2 id="notes" className="panel-title">
              Notes
            </h2>
            <AddNoteForm jobId={job.id} large />
            <NotesList notes={job.notes} />
          </section>
          <section className="panel" aria-labelledby="activity">
            <h2 id="activity" className="panel-title">
              Activity
            </h2>
            <Timeline jobId={job.id} />
          </section>
        </>
      )}
    />
  );
}
