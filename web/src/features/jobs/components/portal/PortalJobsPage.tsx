import { Link } from 'react-router';
import { Empty, PageHeader, QueryState, StatusBadge, useTitle } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import { useJobs } from '../../api/jobs';
import { TaskProgress } from '@/components/ui';

/** A customer's jobs, read-only. */
export function PortalJobsPage() {
  useTitle('My jobs');
  const jobs = useJobs({ limit: 100 });
  return (
    <div className="page page-narrow">
      <PageHeader title="My jobs" subtitle="Follow the work being done for you." />
      <QueryState query={jobs} loading="Loading your jobs…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty title="No jobs yet">Jobs your service company schedules for you appear here.</Empty>
          ) : (
            <ul className="job-cards">
              {data.items.map((job) => (
                <li key={job.id}>
                  <Link to={paths.portal.job(job.id)} className="job-card">
                    <span className="job-card-title">{job.title}</span>
                    <span className="job-card-meta">
                      {job.completed_at
                        ? `Completed ${formatDateTime(job.completed_at)}`
                        : job.scheduled_at
                          ? `Scheduled ${formatDateTime(job.scheduled_at)}`
                          : 'Not scheduled yet'}
                    </span>
                    <span className="job-card-meta">{job.assigned_worker ? `Technician: ${job.assigned_worker.name}` : 'Technician not assigned yet'}</span>
                    <span className="job-card-foot">
                      <StatusBadge name={job.status.name} color={job.status.color} final={job.status.is_final} />
                      <TaskProgress done={job.tasks_done} total={job.tasks_total} />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </div>
  );
}
