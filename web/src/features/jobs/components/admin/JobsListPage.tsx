import { Link, useSearchParams } from 'react-router';
import { ButtonLink, Empty, Filters, Options, PageHeader, Pager, QueryState, SearchFilter, SelectFilter, StatusBadge, Table, useCursorPager, useTitle, type Option } from '@/components/ui';
import { formatDateTime } from '@/lib/format';
import { paths } from '@/lib/paths';
import { useDebounced } from '@/lib/useDebounced';
import { useJobs } from '../../api/jobs';
import { useJobStatuses } from '@/lib/api/jobStatuses';
import { TaskProgress } from '@/components/ui';

const PAGE_SIZE = 25;

/** The admin's jobs table: filter by status, worker and branch, search, archived toggle, pages. */
export function JobsListPage({ workers, branches }: { workers: Option[] | undefined; branches?: Option[] | undefined }) {
  useTitle('Jobs');
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const worker = params.get('worker') ?? '';
  const branch = params.get('branch') ?? '';
  const archived = params.get('archived') === '1';
  const q = params.get('q') ?? '';
  const search = useDebounced(q.trim(), 300);
  const pager = useCursorPager(`${status}|${worker}|${branch}|${archived}|${search}`);
  const statuses = useJobStatuses();
  const jobs = useJobs({
    status_id: status || undefined,
    assigned_worker_id: worker || undefined,
    branch_id: branch || undefined,
    q: search || undefined,
    archived,
    limit: PAGE_SIZE,
    cursor: pager.cursor,
  });

  function set(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    // The filters are controlled by the URL. A router navigation is a transition,
    // which would leave a clicked checkbox (or a typed character) showing its old
    // value until it commits; flushSync updates the field in the same event.
    setParams(next, { replace: true, flushSync: true });
  }

  const filtered = Boolean(status || worker || branch || search || archived);

  return (
    <div className="page">
      <PageHeader
        title="Jobs"
        subtitle="Everything your company is working on."
        actions={
          <ButtonLink to={paths.admin.newJob} variant="primary">
            New job
          </ButtonLink>
        }
      />
      <Filters label="Filter jobs">
        <SearchFilter id="jobs-q" placeholder="Title or customer" value={q} onChange={(value) => set('q', value)} />
        <SelectFilter id="jobs-status" label="Status" all="All statuses" value={status} onChange={(value) => set('status', value)}>
          <Options items={statuses.data} />
        </SelectFilter>
        <SelectFilter id="jobs-worker" label="Worker" all="All workers" value={worker} onChange={(value) => set('worker', value)}>
          <Options items={workers} />
        </SelectFilter>
        {branches && branches.length > 0 ? (
          <SelectFilter id="jobs-branch" label="Branch" all="All branches" value={branch} onChange={(value) => set('branch', value)}>
            <Options items={branches} />
          </SelectFilter>
        ) : null}
        <label className="check-inline filter-archived">
          <input type="checkbox" checked={archived} onChange={(e) => set('archived', e.target.checked ? '1' : '')} />
          Archived
        </label>
      </Filters>

      <QueryState query={jobs} loading="Loading jobs…">
        {(data) =>
          data.items.length === 0 ? (
            filtered ? (
              <Empty title="No jobs match">Try another status, worker or search.</Empty>
            ) : (
              <Empty
                title="No jobs yet"
                action={
                  <ButtonLink to={paths.admin.newJob} variant="primary">
                    Create the first job
                  </ButtonLink>
                }
              >
                Jobs you create for your customers appear here.
              </Empty>
            )
          ) : (
            <>
              <Table caption="Jobs" columns={['Job', 'Customer', 'Status', 'Worker', 'Scheduled', 'Tasks']} busy={jobs.isFetching}>
              {data.items.map((job) => (
                <tr key={job.id}>
                  <td data-label="Job">
                    <Link className="row-link" to={paths.admin.job(job.id)}>
                      {job.title}
                    </Link>
                    {job.is_archived ? <span className="pill pill-neutral">Archived</span> : null}
                  </td>
                  <td data-label="Customer">{job.customer.name}</td>
                  <td data-label="Status">
                    <StatusBadge name={job.status.name} color={job.status.color} final={job.status.is_final} />
                  </td>
                  <td data-label="Worker">{job.assigned_worker?.name ?? <span className="muted">Unassigned</span>}</td>
                  <td data-label="Scheduled">{job.scheduled_at ? formatDateTime(job.scheduled_at) : <span className="muted">—</span>}</td>
                  <td data-label="Tasks">
                    <TaskProgress done={job.tasks_done} total={job.tasks_total} />
                  </td>
                </tr>
              ))}
              </Table>
              <Pager page={pager.page} nextCursor={data.next_cursor} onNext={pager.next} onPrevious={pager.previous} busy={jobs.isFetching} />
            </>
          )
        }
      </QueryState>
    </div>
  );
}
