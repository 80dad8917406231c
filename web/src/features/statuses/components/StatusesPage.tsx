import { useState } from 'react';
import { Button, CheckboxField, ColorField, PALETTE, ConfirmAction, DeleteButton, Dialog, DialogForm, EditButton, Empty, MoveButtons, PageHeader, Pill, QueryState, StatusBadge, TextField, toast, useTitle } from '@/components/ui';
import { errorMessage, isApiError } from '@/lib/api/errors';
import { useFormState } from '@/lib/forms';
import { useJobStatuses, type JobStatus } from '@/lib/api/jobStatuses';
import { useCreateStatus, useDeleteStatus, useReorderStatuses, useUpdateStatus } from '../api/statuses';
import { statusSchema } from './schemas';

/** The company's job statuses: create, rename, recolor, reorder, mark final, delete when unused. */
export function StatusesPage() {
  useTitle('Job statuses');
  const statuses = useJobStatuses();
  const reorder = useReorderStatuses();
  const remove = useDeleteStatus();
  const [editing, setEditing] = useState<JobStatus | 'new' | null>(null);
  const [deleting, setDeleting] = useState<JobStatus | null>(null);

  function move(index: number, delta: -1 | 1) {
    if (!statuses.data) return;
    const ids = statuses.data.map((s) => s.id);
    const target = index + delta;
    if (target < 0 || target >= ids.length) return;
    [ids[index], ids[target]] = [ids[target]!, ids[index]!];
    reorder.mutate(ids, { onError: (e) => toast(`Order not saved: ${errorMessage(e)}`, 'error') });
  }

  return (
    <div className="page page-narrow">
      <PageHeader
        title="Job statuses"
        subtitle="The steps a job goes through, in order. Final statuses mark a job as completed."
        actions={
          <Button variant="primary" onClick={() => setEditing('new')}>
            New status
          </Button>
        }
      />
      <QueryState query={statuses} loading="Loading statuses…">
        {(data) =>
          data.length === 0 ? (
            <Empty title="No statuses yet" action={<Button onClick={() => setEditing('new')}>Create a status</Button>} />
          ) : (
            <ol className="list-card" aria-label="Statuses in order">
              {data.map((s, index) => (
                <li key={s.id} className="list-row">
                  <span className="order-num" aria-hidden="true">
                    {index + 1}
                  </span>
                  <div className="list-main">
                    <StatusBadge name={s.name} color={s.color} />
                    <span className="row row-wrap">
                      {s.is_final ? <Pill tone="success">Final</Pill> : null}
                      {s.requires_tasks_done ? <Pill tone="warning">Needs all tasks done</Pill> : null}
                    </span>
                  </div>
                  <div className="list-actions">
                    <MoveButtons index={index} count={data.length} label={s.name} busy={reorder.isPending} onMove={move} />
                    <EditButton name={s.name} onClick={() => setEditing(s)} />
                    <DeleteButton name={s.name} onClick={() => setDeleting(s)} />
                  </div>
                </li>
              ))}
            </ol>
          )
        }
      </QueryState>
      <StatusDialog status={editing} onClose={() => setEditing(null)} />
      <ConfirmAction
        target={deleting}
        onClose={() => setDeleting(null)}
        title={(s) => `Delete “${s.name}”?`}
        message="Only a status that no job uses can be deleted."
        confirmLabel="Delete status"
        action={remove}
        done="Status deleted"
        failed={(e, s) => (isApiError(e, 409) ? `“${s.name}” is in use: ${e.message}` : errorMessage(e))}
      />
    </div>
  );
}

function StatusDialog({ status, onClose }: { status: JobStatus | 'new' | null; onClose: () => void }) {
  const existing = status && status !== 'new' ? status : null;
  return (
    <Dialog open={status !== null} title={existing ? `Edit “${existing.name}”` : 'New status'} onClose={onClose}>
      {status !== null ? <StatusForm key={existing?.id ?? 'new'} status={existing} onDone={onClose} /> : null}
    </Dialog>
  );
}

function StatusForm({ status, onDone }: { status: JobStatus | null; onDone: () => void }) {
  const create = useCreateStatus();
  const update = useUpdateStatus();
  const form = useFormState();
  const [name, setName] = useState(status?.name ?? '');
  const [color, setColor] = useState(status?.color ?? PALETTE[1]!);
  const [isFinal, setFinal] = useState(status?.is_final ?? false);
  const [requiresDone, setRequiresDone] = useState(status?.requires_tasks_done ?? false);

  const save = () =>
    form.submit(statusSchema, { name, color, is_final: isFinal, requires_tasks_done: requiresDone }, async (values) => {
      if (status) await update.mutateAsync({ id: status.id, ...values });
      else await create.mutateAsync(values);
      toast(status ? 'Status saved' : 'Status created');
      onDone();
    });

  return (
    <DialogForm form={form} onSubmit={save} onCancel={onDone} busy={create.isPending || update.isPending} submitLabel={status ? 'Save' : 'Create status'}>
      <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} errors={form.errors.name} required maxLength={60} />
      <ColorField id="status-color" color={color} onChange={setColor} errors={form.errors.color} preview={<StatusBadge name={name || 'Preview'} color={color} />} />
      <CheckboxField label="Final status" hint="Jobs in a final status count as completed." checked={isFinal} onChange={(e) => setFinal(e.target.checked)} />
      {form.errors.is_final ? <p className="field-error">{form.errors.is_final.join('; ')}</p> : null}
      <CheckboxField
        label="Requires all tasks done"
        hint="A job can only move here once every task is checked off."
        checked={requiresDone}
        onChange={(e) => setRequiresDone(e.target.checked)}
      />
    </DialogForm>
  );
}
