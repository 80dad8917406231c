import { useCallback, useState } from 'react';
import { Button, CheckboxField, ConfirmAction, DeleteButton, Dialog, DialogForm, EditButton, Empty, Filters, Options, PageHeader, Pager, Pill, QueryState, SearchFilter, SelectField, SelectFilter, Table, TextField, toast, useCursorPager, useTitle, type Option } from '@/components/ui';
import { KIND_LABEL, useRoles, type CompanyRole } from '@/lib/api/roles';
import type { Role } from '@/lib/api/types';
import { errorMessage } from '@/lib/api/errors';
import { useAuthed } from '@/lib/auth/useSession';
import { formValues, useFormState } from '@/lib/forms';
import { useDebounced } from '@/lib/useDebounced';
import { usePutContactLocations } from '../api/portalAccess';
import { useCreateUser, useDeleteUser, useUpdateUser, useUsers, type User } from '../api/users';
import { PortalAccessFields, type LocationLimit } from './PortalAccessFields';
import { createUserSchema, updateUserSchema } from './schemas';

const ROLES: { value: Role; label: string }[] = [
  { value: 'WORKER', label: 'Field worker' },
  { value: 'ADMIN', label: 'Admin' },
  { value: 'CUSTOMER', label: 'Customer login' },
];
const roleLabel = (role: Role) => ROLES.find((r) => r.value === role)?.label ?? role;

/** The company's roles, by kind: what a member is given (its kind follows). */
function CompanyRoleOptions({ roles }: { roles: CompanyRole[] }) {
  return ROLES.map((kind) => {
    const ofKind = roles.filter((r) => r.base === kind.value);
    return ofKind.length ? (
      <optgroup key={kind.value} label={`${KIND_LABEL[kind.value]} roles`}>
        {ofKind.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
          </option>
        ))}
      </optgroup>
    ) : null;
  });
}

function RoleOptions() {
  return ROLES.map((r) => (
    <option key={r.value} value={r.value}>
      {r.label}
    </option>
  ));
}

/** Admin-only registration: workers, admins and customer logins; deactivate, delete. */
export function UsersPage({ customers, branches }: { customers: Option[] | undefined; branches?: Option[] | undefined }) {
  useTitle('Users');
  const me = useAuthed().user;
  const [q, setQ] = useState('');
  const [role, setRole] = useState<Role | ''>('');
  const search = useDebounced(q.trim());
  const pager = useCursorPager(`${search}|${role}`);
  const users = useUsers({ q: search || undefined, role: role || undefined, limit: 25, cursor: pager.cursor });
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const roles = useRoles();
  const roleName = (id: string) => roles.data?.find((r) => r.id === id)?.name;
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const customerName = (id: string | null | undefined) => customers?.find((c) => c.id === id)?.name;

  function setActive(user: User, is_active: boolean) {
    update.mutate(
      { id: user.id, is_active },
      {
        onSuccess: () => toast(is_active ? `${user.name} can sign in again` : `${user.name} is deactivated`),
        onError: (e) => toast(errorMessage(e), 'error'),
      },
    );
  }

  return (
    <div className="page">
      <PageHeader
        title="Users"
        subtitle="Who can sign in to your company: admins, field workers and customer logins."
        actions={
          <Button variant="primary" onClick={() => setEditing('new')}>
            New user
          </Button>
        }
      />
      <Filters label="Filter users">
        <SearchFilter id="users-q" placeholder="Name or email" value={q} onChange={setQ} />
        <SelectFilter id="users-role" label="Role" all="All roles" value={role} onChange={(value) => setRole(value as Role | '')}>
          <RoleOptions />
        </SelectFilter>
      </Filters>
      <QueryState query={users} loading="Loading users…">
        {(data) =>
          data.items.length === 0 ? (
            <Empty title="No users match">Try another search or role.</Empty>
          ) : (
            <>
              <Table caption="Users" columns={['Name', 'Email', 'Role', 'Status']} actions>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td data-label="Name" className="strong">
                    {u.name}
                    {u.id === me.id ? <span className="muted"> (you)</span> : null}
                  </td>
                  <td data-label="Email">{u.email}</td>
                  <td data-label="Role">
                    {roleName(u.role_id) ?? roleLabel(u.role)}
                    {u.role === 'CUSTOMER' && customerName(u.customer_id) ? <span className="muted"> · {customerName(u.customer_id)}</span> : null}
                  </td>
                  <td data-label="Status">{u.is_active ? <Pill tone="success">Active</Pill> : <Pill tone="danger">Deactivated</Pill>}</td>
                  <td className="cell-actions">
                    <EditButton name={u.name} onClick={() => setEditing(u)} />
                    {u.id !== me.id ? (
                      <>
                        <Button size="sm" variant="ghost" onClick={() => setActive(u, !u.is_active)} aria-label={`${u.is_active ? 'Deactivate' : 'Activate'} ${u.name}`}>
                          {u.is_active ? 'Deactivate' : 'Activate'}
                        </Button>
                        <DeleteButton name={u.name} onClick={() => setDeleting(u)} />
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
              </Table>
              <Pager page={pager.page} nextCursor={data.next_cursor} onNext={pager.next} onPrevious={pager.previous} busy={users.isFetching} />
            </>
          )
        }
      </QueryState>
      <Dialog open={editing !== null} title={editing && editing !== 'new' ? `Edit ${editing.name}` : 'New user'} onClose={() => setEditing(null)}>
        {editing !== null ? (
          <UserForm
            key={editing === 'new' ? 'new' : editing.id}
            user={editing === 'new' ? null : editing}
            customers={customers}
            branches={branches}
            roles={roles.data}
            onDone={() => setEditing(null)}
          />
        ) : null}
      </Dialog>
      <ConfirmAction
        target={deleting}
        onClose={() => setDeleting(null)}
        title={(u) => `Delete ${u.name}?`}
        message="They can no longer sign in, and disappear from lists. Jobs and notes keep their name."
        confirmLabel="Delete user"
        action={remove}
        done="User deleted"
      />
    </div>
  );
}

function UserForm({
  user,
  customers,
  branches,
  roles,
  onDone,
}: {
  user: User | null;
  customers: Option[] | undefined;
  branches?: Option[] | undefined;
  roles: CompanyRole[] | undefined;
  onDone: () => void;
}) {
  const create = useCreateUser();
  const update = useUpdateUser();
  const putLimit = usePutContactLocations();
  const form = useFormState();
  const [chosenRoleId, setRoleId] = useState(user?.role_id ?? '');
  const roleId = chosenRoleId || (roles?.find((r) => r.base === 'WORKER' && r.is_default)?.id ?? '');
  // The kind follows the role picked; without the roles (still loading, or
  // refused) the kind alone is picked, as before roles existed.
  const picked = roles?.find((r) => r.id === roleId);
  const [kindOnly, setKindOnly] = useState<Role>(user?.role ?? 'WORKER');
  const role: Role = roles ? (picked?.base ?? user?.role ?? 'WORKER') : kindOnly;
  const [active, setActive] = useState(user?.is_active ?? true);
  const [customerId, setCustomerId] = useState(user?.customer_id ?? '');
  const [contactId, setContactId] = useState(user?.contact_id ?? '');
  const [limit, setLimitState] = useState<LocationLimit>(null);
  const [limitEdited, setLimitEdited] = useState(false);
  // Loading the contact's stored limit is not an edit; choosing in the form is.
  const loadLimit = useCallback((next: LocationLimit) => {
    setLimitState(next);
    setLimitEdited(false);
  }, []);
  const editLimit = (next: LocationLimit) => {
    setLimitState(next);
    setLimitEdited(true);
  };

  // The contact's limit is the contact's, saved beside the login (the login
  // first: a refused login changes nothing).
  async function saveLimit(values: { contact_id?: string | null }) {
    if (!values.contact_id || !limit || !limitEdited) return;
    await putLimit.mutateAsync({ id: values.contact_id, restricted_to_locations: limit.restricted, location_ids: limit.locationIds });
  }

  function save(element: HTMLFormElement) {
    const raw = { customer_id: '', contact_id: '', branch_id: '', ...formValues(element), role };
    // Only a change of role is sent: giving a role is checked (one gives only
    // what one holds), keeping it is not.
    const roleChange = picked && picked.id !== user?.role_id ? { role_id: picked.id } : {};
    if (user) {
      if (role !== user.role && !window.confirm(`${user.name} becomes ${KIND_LABEL[role].toLowerCase()} staff: changing the kind of role signs them out everywhere. Continue?`)) {
        return;
      }
      return form.submit(updateUserSchema, { ...raw, is_active: active }, async (values) => {
        await update.mutateAsync({ id: user.id, ...values, ...roleChange });
        await saveLimit(values);
        toast('User saved');
        onDone();
      });
    }
    return form.submit(createUserSchema, raw, async (values) => {
      await create.mutateAsync({ ...values, ...roleChange });
      await saveLimit(values);
      toast('User created');
      onDone();
    });
  }

  return (
    <DialogForm form={form} onSubmit={save} onCancel={onDone} busy={create.isPending || update.isPending || putLimit.isPending} submitLabel={user ? 'Save' : 'Create user'}>
      <TextField label="Name" name="name" defaultValue={user?.name ?? ''} errors={form.errors.name} required />
      <TextField label="Email" name="email" type="email" autoComplete="off" defaultValue={user?.email ?? ''} errors={form.errors.email} required />
      {roles ? (
        <SelectField
          label="Role"
          name="role_id"
          value={roleId}
          onChange={(e) => setRoleId(e.target.value)}
          errors={form.errors.role_id ?? form.errors.role}
          required
          hint={user && role !== user.role ? 'Another kind of role: they will be signed out and sign in again to its app.' : undefined}
        >
          <CompanyRoleOptions roles={roles} />
        </SelectField>
      ) : (
        <SelectField label="Role" name="role" value={kindOnly} onChange={(e) => setKindOnly(e.target.value as Role)} errors={form.errors.role} required>
          <RoleOptions />
        </SelectField>
      )}
      {role !== 'CUSTOMER' && branches && branches.length > 0 ? (
        <SelectField
          label="Branch"
          name="branch_id"
          defaultValue={user?.branch_id ?? ''}
          errors={form.errors.branch_id}
          hint="A member of one branch sees only that branch's jobs and customers."
        >
          <option value="">Company-wide</option>
          <Options items={branches} />
        </SelectField>
      ) : null}
      {role === 'CUSTOMER' ? (
        <>
          <SelectField
            label="Customer"
            name="customer_id"
            value={customerId}
            onChange={(e) => {
              setCustomerId(e.target.value);
              setContactId('');
            }}
            errors={form.errors.customer_id}
            required
            hint="The customer whose jobs this login may see."
          >
            <option value="">Choose a customer…</option>
            <Options items={customers} />
          </SelectField>
          <PortalAccessFields
            customerId={customerId}
            contactId={contactId}
            onContactChange={(id) => {
              setContactId(id);
              loadLimit(null);
            }}
            limit={limit}
            onLimitLoaded={loadLimit}
            onLimitChange={editLimit}
            errors={form.errors.contact_id ?? form.errors.location_ids}
          />
        </>
      ) : null}
      <TextField
        label={user ? 'New password' : 'Password'}
        name="password"
        type="password"
        autoComplete="new-password"
        hint={user ? 'Leave empty to keep the current password. 8 to 128 characters.' : '8 to 128 characters. Share it with the person securely.'}
        errors={form.errors.password}
        required={!user}
      />
      {user ? <CheckboxField label="Active (may sign in)" checked={active} onChange={(e) => setActive(e.target.checked)} /> : null}
      {form.errors.is_active ? <p className="field-error">{form.errors.is_active.join('; ')}</p> : null}
    </DialogForm>
  );
}
