import { useState } from 'react';
import { Button, ColorField, ConfirmAction, DeleteButton, Dialog, DialogForm, EditButton, Empty, PageHeader, PALETTE, QueryState, StatusBadge, TextField, toast, useTitle } from '@/components/ui';
import { useBranches, type Branch } from '@/lib/api/branches';
import { errorMessage, isApiError } from '@/lib/api/errors';
import { useFormState } from '@/lib/forms';
import { useCreateBranch, useDeleteBranch, useUpdateBranch } from '../api/branches';
import { branchSchema } from './schemas';

/**
 * The company's branches: create, rename, move, recolour, delete when unused.
 * A branch-scoped admin sees its own branch and cannot change it (the
 * server answers 403/404; the buttons are there all the same, as for any
 * write the database decides).
 */
export function BranchesPage() {
  useTitle('Branches');
  const branches = useBranches();
  const remove = useDeleteBranch();
  const [editing, setEditing] = useState<Branch | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Branch | null>(null);

  return (
    <div className="page page-narrow">
      <PageHeader
        title="Branches"
        subtitle="Your offices. A member scoped to a branch sees only that branch's jobs and customers."
        actions={
          <Button variant="primary" onClick={() => setEditing('new')}>
            New branch
          </Button>
        }
      />
      <QueryState query={branches} loading="Loading branches…">
        {(data) =>
          data.length === 0 ? (
            <Empty title="No branches yet" action={<Button onClick={() => setEditing('new')}>Create a branch</Button>} />
          ) : (
            <ul className="list-card" aria-label="Branches">
              {data.map((b) => (
                <li key={b.id} className="list-row" data-testid="branch-row">
                  <div className="list-main">
                    <StatusBadge name={b.name} color={b.color} />
                    {b.address ? <span className="muted">{b.address}</span> : null}
                  </div>
                  <div className="list-actions">
                    <EditButton name={b.name} onClick={() => setEditing(b)} />
                    <DeleteButton name={b.name} onClick={() => setDeleting(b)} />
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
      <BranchDialog branch={editing} onClose={() => setEditing(null)} />
      <ConfirmAction
        target={deleting}
        onClose={() => setDeleting(null)}
        title={(b) => `Delete “${b.name}”?`}
        message="Only a branch that no job, customer or member names can be deleted."
        confirmLabel="Delete branch"
        action={remove}
        done="Branch deleted"
        failed={(e, b) => (isApiError(e, 409) ? `“${b.name}” is in use: ${e.message}` : errorMessage(e))}
      />
    </div>
  );
}

function BranchDialog({ branch, onClose }: { branch: Branch | 'new' | null; onClose: () => void }) {
  const existing = branch && branch !== 'new' ? branch : null;
  return (
    <Dialog open={branch !== null} title={existing ? `Edit “${existing.name}”` : 'New branch'} onClose={onClose}>
      {branch !== null ? <BranchForm key={existing?.id ?? 'new'} branch={existing} onDone={onClose} /> : null}
    </Dialog>
  );
}

export function BranchForm({ branch, onDone }: { branch: Branch | null; onDone: () => void }) {
  const create = useCreateBranch();
  const update = useUpdateBranch();
  const form = useFormState();
  const [name, setName] = useState(branch?.name ?? '');
  const [address, setAddress] = useState(branch?.address ?? '');
  const [color, setColor] = useState(branch?.color ?? PALETTE[1]!);

  const save = () =>
    form.submit(branchSchema, { name, address, color }, async (values) => {
      const body = { name: values.name, address: values.address ?? '', color: values.color };
      if (branch) await update.mutateAsync({ id: branch.id, ...body });
      else await create.mutateAsync(body);
      toast(branch ? 'Branch saved' : 'Branch created');
      onDone();
    });

  return (
    <DialogForm form={form} onSubmit={save} onCancel={onDone} busy={create.isPending || update.isPending} submitLabel={branch ? 'Save' : 'Create branch'}>
      <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} errors={form.errors.name} required maxLength={100} />
      <TextField label="Address" name="address" value={address} onChange={(e) => setAddress(e.target.value)} errors={form.errors.address} maxLength={500} />
      <ColorField id="branch-color" color={color} onChange={setColor} errors={form.errors.color} preview={<StatusBadge name={name || 'Preview'} color={color} />} />
    </DialogForm>
  );
}
