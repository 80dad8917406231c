import { Empty, QueryState } from '@/components/ui';
import { useReport, type WeekCount } from '../api/portal';

const STATES = [
  { state: 'submitted', label: 'Waiting', color: '#2563eb' },
  { state: 'approved', label: 'Approved', color: '#16a34a' },
  { state: 'rejected', label: 'Declined', color: '#dc2626' },
  { state: 'withdrawn', label: 'Withdrawn', color: '#94a3b8' },
  { state: 'draft', label: 'Drafts', color: '#cbd5e1' },
];

/** Requests per week (by the week they were made), as stacked bars by their state now. */
export function RequestsChart({ weeks = 12 }: { weeks?: number }) {
  const report = useReport(weeks);
  return (
    <QueryState query={report} loading="Loading the report…">
      {(rows) => (rows.length === 0 ? <Empty title="No requests yet" /> : <Bars rows={rows} />)}
    </QueryState>
  );
}

function Bars({ rows }: { rows: WeekCount[] }) {
  const byWeek = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const week = byWeek.get(row.week) ?? new Map<string, number>();
    week.set(row.state, row.count);
    byWeek.set(row.week, week);
  }
  const weeks = [...byWeek.entries()].map(([week, counts]) => ({
    week,
    counts,
    total: [...counts.values()].reduce((a, b) => a + b, 0),
  }));
  const max = Math.max(...weeks.map((w) => w.total), 1);
  return (
    <figure className="stack" aria-label="Requests per week">
      <table className="table">
        <caption className="muted">Requests per week, by their state now</caption>
        <thead>
          <tr>
            <th scope="col">Week of</th>
            <th scope="col">Requests</th>
          </tr>
        </thead>
        <tbody>
          {weeks.map(({ week, counts, total }) => (
            <tr key={week}>
              <th scope="row">{week}</th>
              <td>
                <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
                  <div style={{ display: 'flex', width: `${(total / max) * 100}%`, minWidth: 4, height: 16 }} aria-hidden="true">
                    {STATES.map(({ state, color }) =>
                      counts.get(state) ? <span key={state} style={{ flex: counts.get(state), background: color }} /> : null,
                    )}
                  </div>
                  <span>
                    {total}{' '}
                    <span className="muted">
                      ({STATES.filter(({ state }) => counts.get(state)).map(({ state, label }) => `${label} ${counts.get(state)}`).join(', ')})
                    </span>
                  </span>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
