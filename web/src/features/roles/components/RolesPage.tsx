import { useId, useState } from 'react';
import { Button, ConfirmAction, Dialog, DialogForm, PageHeader, Pill, QueryState, SelectField, TextArea, TextField, toast, useTitle } from '@/components/ui';
import { isApiError, errorMessage } from '@/lib/api/errors';
import { KIND_LABEL, useRoles, type CompanyRole } from '@/lib/api/roles';
import { useHeldPermissions } from '@/lib/auth/permissions';
import { reloadProfile } from '@/lib/auth/restore';
import { useAuthed } from '@/lib/auth/useSession';
import { useFormState } from '@/lib/forms';
import { useCreateRole, useDeleteRole, usePermissionCatalogue, useUpdateRole, type Permission } from '../api/roles';
import { roleSchema } from './schemas';

type Kind = 'ADMIN' | 'WORKER';
const MATRICES: { kind: Kind; title: string }[] = [
  { kind: 'ADMIN', title: 'Office roles' },
  { kind: 'WORKER', title: 'Field roles' },
];

/** What a resource's permissions are listed under (the part before the dot). */
const RESOURCE_LABEL: Record<string, string> = {
  jobs: 'Jobs',
  customers: 'Customers',
  share_links: 'Share links',
  history: 'History',
  statuses: 'Statuses',
  custom_fields: 'Custom fields',
  users: 'Users',
  roles: 'Roles',
  portal: 'Customer portal',
  imports: 'Imports',
  company: 'Company',
  tasks: 'Tasks',
  notes: 'Notes',
};
const resourceOf = (name: string) => name.split('.')[0] ?? name;

/** The catalogue's permissions of a kind, grouped by resource in catalogue order. */
function groups(permissions: Permission[], kind: Kind): { resource: string; permissions: Permission[] }[] {
  const out: { resource: string; permissions: Permission[] }[] = [];
  for (const p of permissions.filter((p) => p.base === kind)) {
    const resource = resourceOf(p.name);
    const group = out.find((g) => g.resource === resource);
    if (group) group.permissions.push(p);
    else out.push({ resource, permissions: [p] });
  }
  return out;
}

/** Company-defined roles: a permission matrix per kind, create, rename, delete. */
export function RolesPage() {
  useTitle('Roles');
  const roles = useRoles();
  const catalogue = usePermissionCatalogue();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<CompanyRole | null>(null);
  const [deleting, setDeleting] = useState<CompanyRole | null>(null);
  const remove = useDeleteRole();

  return (
    <div className="page">
      <PageHeader
        title="Roles"
        subtitle="What each role of your company may do. Tick permissions, then save the role: its members get the change at their next action."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            New role
          </Button>
        }
      />
      <QueryState query={catalogue} loading="Loading permissions…">
        {(permissions) => (
          <QueryState query={roles} loading="Loading roles…">
            {(all) => (
              <>
                {MATRICES.map(({ kind, title }) => (
                  <PermissionMatrix
                    key={kind}
                    title={title}
                    permissions={permissions}
                    kind={kind}
                    roles={all.filter((r) => r.base === kind)}
                    onReload={() => void roles.refetch()}
                    onRename={setRenaming}
                    onDelete={setDeleting}
                  />
                ))}
              </>
            )}
          </QueryState>
        )}
      </QueryState>
      <Dialog open={creating} title="New role" onClose={() => setCreating(false)}>
        {creating && roles.data ? <CreateRoleForm roles={roles.data} onDone={() => setCreating(false)} /> : null}
      </Dialog>
      <Dialog open={renaming !== null} title={renaming ? `Rename ${renaming.name}` : ''} onClose={() => setRenaming(null)}>
        {renaming ? <RenameRoleForm key={renaming.id} role={renaming} onDone={() => setRenaming(null)} /> : null}
      </Dialog>
      <ConfirmAction
        target={deleting}
        onClose={() => setDeleting(null)}
        title={(r) => `Delete the role ${r.name}?`}
        message="Only a role nobody holds can be deleted: give its members another role first."
        confirmLabel="Delete role"
        action={remove}
        done="Role deleted"
      />
    </div>
  );
}

interface MatrixProps {
  title: string;
  kind: Kind;
  permissions: Permission[];
  roles: CompanyRole[];
  onReload: () => void;
  onRename: (role: CompanyRole) => void;
  onDelete: (role: CompanyRole) => void;
}

type Outcome = { tone: 'success' | 'error'; text: string };

/**
 * One kind's matrix: a row per permission (grouped by resource), a column per
 * role. Ticks stay a draft per role until that role is saved, so a refused
 * save loses nothing.
 */
export function PermissionMatrix({ title, kind, permissions, roles, onReload, onRename, onDelete }: MatrixProps) {
  const held = useHeldPermissions();
  const me = useAuthed().user;
  const update = useUpdateRole();
  const headingId = useId();
  const noteId = useId();
  const [drafts, setDrafts] = useState<Record<string, string[]>>({});
  const [outcomes, setOutcomes] = useState<Record<string, Outcome>>({});
  const [saving, setSaving] = useState<string | null>(null);
  const grouped = groups(permissions, kind);
  // Field permissions give no office power: the API lets an office member give them all.
  const mayChange = (name: string) => kind === 'WORKER' || held.has(name);

  const ticked = (role: CompanyRole) => drafts[role.id] ?? role.permissions;
  const dirty = (role: CompanyRole) => {
    const draft = drafts[role.id];
    return draft !== undefined && (draft.length !== role.permissions.length || draft.some((p) => !role.permissions.includes(p)));
  };

  function toggle(role: CompanyRole, name: string, on: boolean) {
    const current = ticked(role);
    setDrafts((d) => ({ ...d, [role.id]: on ? [...current.filter((p) => p !== name), name] : current.filter((p) => p !== name) }));
    setOutcomes(({ [role.id]: _, ...rest }) => rest);
  }

  function save(role: CompanyRole) {
    setSaving(role.id);
    // The whole new set, in the catalogue's order.
    const wanted = permissions.map((p) => p.name).filter((n) => ticked(role).includes(n));
    update.mutate(
      { id: role.id, version: role.version, permissions: wanted },
      {
        onSuccess: () => {
          setDrafts(({ [role.id]: _, ...rest }) => rest);
          setOutcomes((o) => ({ ...o, [role.id]: { tone: 'success', text: `${role.name} saved` } }));
          // One's own role: the navigation and these checkboxes follow it now.
          if (role.id === me.role_id) void reloadProfile().catch(() => undefined);
        },
        onError: (error) => {
          if (isApiError(error, 412)) {
            // Someone saved this role since: show theirs rather than overwrite it.
            setDrafts(({ [role.id]: _, ...rest }) => rest);
            onReload();
            setOutcomes((o) => ({
              ...o,
              [role.id]: { tone: 'error', text: `${role.name} was changed by someone else meanwhile: reloaded. Tick your changes again.` },
            }));
          } else {
            setOutcomes((o) => ({ ...o, [role.id]: { tone: 'error', text: errorMessage(error) } }));
          }
        },
        onSettled: () => setSaving(null),
      },
    );
  }

  if (roles.length === 0) return null;
  return (
    <section className="card roles-matrix" aria-labelledby={headingId}>
      <header className="card-header">
        <h2 className="card-title" id={headingId}>
          {title}
        </h2>
      </header>
      <div className="card-body">
        <p className="muted" id={noteId}>
          {kind === 'ADMIN'
            ? 'You can only give or take away the office permissions your own role holds; the others are greyed out.'
            : 'Field permissions apply to the jobs assigned to the member.'}
        </p>
      </div>
      <div className="table-wrap matrix-wrap">
        <table className="table matrix">
          <caption className="visually-hidden">{`${title}: permissions by role`}</caption>
          <thead>
            <tr>
              <th scope="col">Permission</th>
              {roles.map((role) => (
                <th key={role.id} scope="col" className="matrix-role">
                  <span className="strong">{role.name}</span>
                  {role.is_default ? (
                    <>
                      {' '}
                      <Pill tone="neutral">Default</Pill>
                    </>
                  ) : null}
                  <span className="muted matrix-count">
                    {role.member_count === 1 ? '1 member' : `${role.member_count} members`}
                  </span>
                </th>
              ))}
            </tr>
          </thead>
          {grouped.map((group) => (
            <tbody key={group.resource}>
              <tr className="matrix-group">
                <th scope="colgroup" colSpan={roles.length + 1}>
                  {RESOURCE_LABEL[group.resource] ?? group.resource}
                </th>
              </tr>
              {group.permissions.map((p) => (
                <tr key={p.name}>
                  <th scope="row" className="matrix-permission">
                    <code>{p.name}</code>
                    <span className="muted matrix-description">{p.description}</span>
                  </th>
                  {roles.map((role) => {
                    const allowed = mayChange(p.name);
                    return (
                      <td key={role.id} className="matrix-cell">
                        <input
                          type="checkbox"
                          aria-label={`${role.name}: ${p.name}`}
                          checked={ticked(role).includes(p.name)}
                          disabled={!allowed || saving === role.id}
                          aria-describedby={allowed ? undefined : noteId}
                          title={allowed ? undefined : `Your role does not hold ${p.name}, so you cannot give or take it away`}
                          onChange={(e) => toggle(role, p.name, e.target.checked)}
                        />
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          ))}
          <tfoot>
            <tr>
              <th scope="row">
                <span className="visually-hidden">Actions</span>
              </th>
              {roles.map((role) => (
                <td key={role.id} className="matrix-actions">
                  <Button size="sm" variant="primary" disabled={!dirty(role)} busy={saving === role.id} onClick={() => save(role)} aria-label={`Save ${role.name}`}>
                    Save
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => onRename(role)} aria-label={`Rename ${role.name}`}>
                    Rename
                  </Button>
                  {role.is_default ? null : (
                    <Button size="sm" variant="ghost" onClick={() => onDelete(role)} aria-label={`Delete ${role.name}`}>
                      Delete
                    </Button>
                  )}
                  <p role="status" className={outcomes[role.id]?.tone === 'error' ? 'field-error' : 'field-hint'}>
                    {outcomes[role.id]?.text ?? ''}
                  </p>
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

function CreateRoleForm({ roles, onDone }: { roles: CompanyRole[]; onDone: () => void }) {
  const create = useCreateRole();
  const form = useFormState();
  const [kind, setKind] = useState<Kind>('ADMIN');
  const [copyFrom, setCopyFrom] = useState('');
  const sources = roles.filter((r) => r.base === kind);

  function submit(element: HTMLFormElement) {
    const data = new FormData(element);
    const source = roles.find((r) => r.id === copyFrom && r.base === kind);
    return form.submit(roleSchema, { name: data.get('name') ?? '', description: data.get('description') ?? '' }, async (values) => {
      await create.mutateAsync({ ...values, base: kind, permissions: source?.permissions ?? [] });
      toast(`Role ${values.name} created`);
      onDone();
    });
  }

  return (
    <DialogForm form={form} onSubmit={submit} onCancel={onDone} busy={create.isPending} submitLabel="Create role">
      <TextField label="Name" name="name" errors={form.errors.name} required maxLength={80} />
      <SelectField
        label="Kind"
        name="base"
        value={kind}
        onChange={(e) => {
          setKind(e.target.value as Kind);
          setCopyFrom('');
        }}
        errors={form.errors.base}
        hint="Office roles work in this app; field roles in the worker's app, on their assigned jobs."
      >
        <option value="ADMIN">{KIND_LABEL.ADMIN}</option>
        <option value="WORKER">{KIND_LABEL.WORKER}</option>
      </SelectField>
      <SelectField label="Copy permissions from" name="copy_from" value={copyFrom} onChange={(e) => setCopyFrom(e.target.value)} errors={form.errors.permissions}>
        <option value="">None: start empty</option>
        {sources.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </SelectField>
      <TextArea label="Description" name="description" errors={form.errors.description} maxLength={500} />
    </DialogForm>
  );
}

function RenameRoleForm({ role, onDone }: { role: CompanyRole; onDone: () => void }) {
  const update = useUpdateRole();
  const form = useFormState();

  function submit(element: HTMLFormElement) {
    const data = new FormData(element);
    return form.submit(roleSchema, { name: data.get('name') ?? '', description: data.get('description') ?? '' }, async (values) => {
      await update.mutateAsync({ id: role.id, version: role.version, ...values });
      toast('Role saved');
      onDone();
    });
  }

  return (
    <DialogForm form={form} onSubmit={submit} onCancel={onDone} busy={update.isPending} submitLabel="Save">
      <TextField label="Name" name="name" defaultValue={role.name} errors={form.errors.name} required maxLength={80} />
      <TextArea label="Description" name="description" defaultValue={role.description} errors={form.errors.description} maxLength={500} />
    </DialogForm>
  );
}
