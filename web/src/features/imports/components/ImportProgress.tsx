import { useEffect } from 'react';
import { useImportProgress, type ImportDetail } from '../api/imports';

/**
 * A background import's progress, read from its record (rows done of the
 * file's rows) until it is no longer running; then `onDone` gets the record
 * with its counts and refused rows.
 */
export function ImportProgress({ id, fileName, onDone, intervalMs }: { id: string; fileName: string; onDone: (detail: ImportDetail) => void; intervalMs?: number }) {
  const progress = useImportProgress(id, intervalMs);
  const detail = progress.data;
  const finished = detail && detail.import.state !== 'running' ? detail : null;
  useEffect(() => {
    if (finished) onDone(finished);
  }, [finished, onDone]);
  const total = detail?.import.rows_total ?? 0;
  const done = Math.min(detail?.import.rows_done ?? 0, total);
  const pct = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div className="stack" data-testid="import-progress">
      <p role="status">
        Importing {fileName}: {done.toLocaleString()} of {total.toLocaleString()} rows ({pct}%)
      </p>
      <progress max={total || 1} value={done} aria-label={`Import of ${fileName}`} style={{ width: '100%' }}>
        {pct}%
      </progress>
    </div>
  );
}
