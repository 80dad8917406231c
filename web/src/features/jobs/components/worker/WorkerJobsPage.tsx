import { Link } from 'react-router';
import { Button, Empty, ErrorState, Loading, StatusBadge, useTitle } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import type { JobSummary } from '@/lib/api/types';
import { useAssignedJobs } from '../../api/jobs';
import { useJobStatuses } from '@/lib/api/jobStatuses';
import { TaskProgress } from '@/components/ui';

/** A worker's assigned, unarchived jobs, grouped by status in the company's order, a page at a time. */
export function WorkerJobsPage() {
  useTitle('My jobs');
  const jobs = useAssignedJobs();
  const statuses = useJobStatuses();

  if (jobs.isPending) return <Loading label="Loading your jobs…" />;
  if (jobs.isError) return <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} />;

  const order = new Map(statuses.data?.map((s) => [s.id, s.order_index]) ?? []);
  const groups = new Map<string, { status: JobSummary['status']; jobs: JobSummary[] }>();
  const loaded = jobs.data.pages.flatMap((page) => page.items);
  for (const job of loaded) {
    const group = groups.get(job.status.id) ?? { status: job.status, jobs: [] };
    group.jobs.push(job);
    groups.set(job.status.id, group);
  }
  const sorted = [...groups.values()].sort(
    (a, b) => (order.get(a.status.id) ?? 999) - (order.get(b.status.id) ?? 999) || Number(a.status.is_final) - Number(b.status.is_final),
  );

  return (
    <div className="page page-mobile">
      <h1 className="mobile-title">My jobs</h1>
      {loaded.length === 0 ? (
        <Empty title="No jobs assigned to you">When your office assigns you a job, it shows up here.</Empty>
      ) : (
        sorted.map((group) => (
          <section key={group.status.id} className="job-group" aria-labelledby={`group-${group.status.id}`}>
            <h2 id={`group-${group.status.id}`} className="group-title">
              <span className="dot" style={{ backgroundColor: group.status.color }} aria-hidden="true" />
              {group.status.name}
              <span className="group-count">{group.jobs.length}</span>
            </h2>
            <ul className="job-cards">
              {group.jobs.map((job) => (
                <li key={job.id}>
                  <Link to={paths.worker.job(job.id)} className="job-card">
                    <span className="job-card-title">{job.title}</span>
                    <span className="job-card-meta">{job.customer.name}</span>
                    <span className="job-card-meta">{job.scheduled_at ? formatDateTime(job.scheduled_at) : 'Not scheduled'}</span>
                    <span className="job-card-foot">
                      <StatusBadge name={job.status.name} color={job.status.color} />
                      <TaskProgress done={job.tasks_done} total={job.tasks_total} />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
      {jobs.hasNextPage ? (
        <Button onClick={() => void jobs.fetchNextPage()} busy={jobs.isFetchingNextPage}>
          Show more jobs
        </Button>
      ) : null}
    </div>
  );
}
