import { useParams } from 'react-router';
import { Card, TaskProgress } from '@/components/ui';
import { Timeline } from '@/features/history/components/Timeline';
import { PortalJobPage } from '@/features/jobs/components/portal/PortalJobPage';
import { CustomerUpdates } from '@/features/notes/components/Notes';
import { TaskList } from '@/features/tasks/components/TaskList';

/** A customer's job: the job's page from jobs, with its progress, activity and updates, all read-only. */
export default function JobRoute() {
  const { jobId = '' } = useParams();
  return (
    <PortalJobPage
      key={jobId}
      jobId={jobId}
      panels={(job) => (
        <>
          <Card title="Progress" actions={<TaskProgress done={job.tasks_done} total={job.tasks_total} />}>
            <TaskList job={job} mode="readonly" />
          </Card>
          <Card title="Activity">
            <Timeline jobId={job.id} />
          </Card>
          <CustomerUpdates notes={job.notes} />
        </>
      )}
    />
  );
}
