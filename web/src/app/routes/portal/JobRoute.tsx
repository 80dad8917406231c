import { useParams } from 'react-router';
import { Card } from '@/components/ui';
import { Attachments } from '@/features/attachments/components/Attachments';
import { Timeline } from '@/features/history/components/Timeline';
import { PortalJobPage } from '@/features/jobs/components/portal/PortalJobPage';
import { CustomerUpdates } from '@/features/notes/components/Notes';
import { TasksCard } from '@/features/tasks/components/TaskList';
import { Conversation } from '@/features/messages/components/Conversation';
import type { JobDetail } from '@/lib/api/types';

/** A customer's job: the job's page from jobs, with its progress, activity and updates, all read-only. */
export default function JobRoute() {
  const { jobId = '' } = useParams();
  return <PortalJobPage key={jobId} jobId={jobId} panels={panels} />;
}

/** Below the overview: the tasks (read-only), what happened, the notes meant for the customer. */
function panels(job: JobDetail) {
  return (
    <>
      <TasksCard job={job} mode="readonly" title="Progress" />
      <Card title="Activity">
        <Timeline jobId={job.id} />
      </Card>
      <CustomerUpdates notes={job.notes} />
      <Card title="Photos and documents">
        <Attachments parent={{ kind: 'job', id: job.id }} mode="customer" />
      </Card>
      <Conversation thread={{ kind: 'job', id: job.id }} staff={false} />
    </>
  );
}
