import { useId, useState } from 'react';
import { Options, toast } from '@/components/ui';
import { ApiError, errorMessage } from '@/lib/api/errors';
import { readableOn } from '@/lib/format';
import type { JobDetail } from '@/lib/api/types';
import { useUpdateJob } from '../../api/jobs';
import { useJobStatuses } from '@/lib/api/jobStatuses';

/**
 * Changes a job's status: one tap per status for workers (large buttons), a
 * select for admins. A refusal (e.g. open tasks before a "done" status) is shown
 * right here.
 */
export function StatusChanger({ job, variant }: { job: JobDetail; variant: 'buttons' | 'select' }) {
  const statuses = useJobStatuses();
  const update = useUpdateJob(job.id);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  function change(statusId: string) {
    if (statusId === job.status.id) return;
    setError(null);
    update.mutate(
      { status_id: statusId },
      {
        onSuccess: (updated) => toast(`Status: ${updated.status.name}`),
        onError: (e) => {
          const field = e instanceof ApiError ? e.fieldErrors.status_id : undefined;
          setError(field?.length ? field.join('; ') : errorMessage(e));
        },
      },
    );
  }

  if (statuses.isPending) return <p className="muted">Loading statuses…</p>;
  if (statuses.isError) return <p className="field-error">Could not load statuses: {errorMessage(statuses.error)}</p>;

  const errorNode = error ? (
    <p id={`${id}-error`} className="field-error" role="alert">
      {error}
    </p>
  ) : null;

  if (variant === 'select') {
    return (
      <div className="field">
        <label htmlFor={id} className="field-label">
          Status
        </label>
        <select
          id={id}
          className="input select"
          value={job.status.id}
          disabled={update.isPending}
          onChange={(e) => change(e.target.value)}
          aria-describedby={error ? `${id}-error` : undefined}
          aria-invalid={error ? true : undefined}
        >
          <Options items={statuses.data} />
        </select>
        {errorNode}
      </div>
    );
  }

  return (
    <fieldset className="status-buttons" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="field-label">Change status</legend>
      <div className="status-grid">
        {statuses.data.map((s) => {
          const current = s.id === job.status.id;
          return (
            <button
              key={s.id}
              type="button"
              className={`status-btn ${current ? 'status-btn-current' : ''}`}
              aria-pressed={current}
              disabled={update.isPending}
              onClick={() => change(s.id)}
              style={current ? { backgroundColor: s.color, color: readableOn(s.color), borderColor: s.color } : { borderColor: s.color }}
            >
              <span className="dot" style={{ backgroundColor: s.color }} aria-hidden="true" />
              {s.name}
            </button>
          );
        })}
      </div>
      {errorNode}
    </fieldset>
  );
}
