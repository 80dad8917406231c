import { Empty, QueryState } from '@/components/ui';
import { useOverview, type PortalOverview, type PortalWeek } from '../api/portal';

const SERIES: { key: 'registrations' | 'submitted' | 'approved' | 'rejected'; label: string; color: string }[] = [
  { key: 'registrations', label: 'Registrations', color: '#7c3aed' },
  { key: 'submitted', label: 'Submitted', color: '#2563eb' },
  { key: 'approved', label: 'Approved', color: '#16a34a' },
  { key: 'rejected', label: 'Declined', color: '#dc2626' },
];

/** The portal per week: registrations, requests submitted and decided, approval time; and why requests were declined. */
export function PortalReport({ weeks = 12 }: { weeks?: number }) {
  const overview = useOverview(weeks);
  return (
    <QueryState query={overview} loading="Loading the report…">
      {(data) => <Report data={data} />}
    </QueryState>
  );
}

function Report({ data }: { data: PortalOverview }) {
  const active = data.weeks.filter((w) => SERIES.some(({ key }) => w[key] > 0));
  if (active.length === 0) return <Empty title="Nothing on the portal yet" />;
  const max = Math.max(...data.weeks.flatMap((w) => SERIES.map(({ key }) => w[key])), 1);
  return (
    <div className="stack">
      <figure className="stack" aria-label="The portal per week">
        <div className="row" aria-hidden="true">
          {SERIES.map(({ key, label, color }) => (
            <span key={key} className="muted">
              <span style={{ display: 'inline-block', width: 10, height: 10, background: color, marginRight: 4 }} />
              {label}
            </span>
          ))}
        </div>
        <div className="table-wrap">
          <table className="table">
            <caption className="muted">Per week (from Monday, UTC); approval time in hours from submission</caption>
            <thead>
              <tr>
                <th scope="col">Week of</th>
                <th scope="col">Activity</th>
                <th scope="col">Approval time</th>
              </tr>
            </thead>
            <tbody>
              {data.weeks.map((week) => (
                <WeekRow key={week.week} week={week} max={max} />
              ))}
            </tbody>
          </table>
        </div>
      </figure>
      <section aria-label="Why requests were declined">
        <h3>Why requests were declined</h3>
        {data.rejection_reasons.length === 0 ? (
          <p className="muted">No request was declined in these weeks.</p>
        ) : (
          <ul>
            {data.rejection_reasons.map((r) => (
              <li key={r.reason}>
                {r.reason} <span className="muted">({r.count})</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function WeekRow({ week, max }: { week: PortalWeek; max: number }) {
  const summary = SERIES.filter(({ key }) => week[key] > 0)
    .map(({ key, label }) => `${label} ${week[key]}`)
    .join(', ');
  return (
    <tr>
      <th scope="row">{week.week}</th>
      <td>
        <div className="stack" style={{ gap: 2 }} aria-hidden="true">
          {SERIES.map(({ key, color }) =>
            week[key] > 0 ? (
              <span key={key} style={{ display: 'block', height: 6, width: `${(week[key] / max) * 100}%`, minWidth: 4, background: color }} />
            ) : null,
          )}
        </div>
        <span className="muted">{summary || 'Nothing'}</span>
      </td>
      <td>
        {week.approval_hours_median === null || week.approval_hours_median === undefined
          ? '—'
          : `median ${week.approval_hours_median} h, 90% within ${week.approval_hours_p90 ?? '—'} h`}
      </td>
    </tr>
  );
}
