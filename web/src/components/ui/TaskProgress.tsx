export function TaskProgress({ done, total }: { done: number; total: number }) {
  if (total === 0) return <span className="muted">No tasks</span>;
  const pct = Math.round((done / total) * 100);
  return (
    <span className="progress" title={`${done} of ${total} tasks done`}>
      <span className="progress-bar" aria-hidden="true">
        <span style={{ width: `${pct}%` }} />
      </span>
      <span className="progress-text">
        {done}/{total}
        <span className="visually-hidden"> tasks done</span>
      </span>
    </span>
  );
}
