import { Button } from '@/components/ui/Button';
import { FormError, SelectField, TextField } from '@/components/ui/Field';
import { Card, PageHeader, useTitle } from '@/components/ui/Page';
import { QueryState } from '@/components/ui/States';
import { formatDateTime } from '@/lib/format';
import { formValues, useFormState } from '@/lib/forms';
import { useInvitations, useInvite, useRevokeInvitation } from '../api/invitations';
import { invitationSchema } from './schemas';

const ROLE_LABEL = { ADMIN: 'Admin', WORKER: 'Field worker', CUSTOMER: 'Customer' } as const;

/**
 * The admins' invitations: invite an address with a role (a link is mailed,
 * 7 days, single use), see the pending ones, revoke one.
 */
export function InvitationsPage() {
  useTitle('Invitations');
  const invitations = useInvitations();
  const invite = useInvite();
  const revoke = useRevokeInvitation();
  const form = useFormState();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const element = event.currentTarget;
    await form.submit(invitationSchema, formValues(element), async (body) => {
      await invite.mutateAsync(body);
      element.reset();
    });
  }

  return (
    <>
      <PageHeader title="Invitations" subtitle="Invite people to work for your company. They may already use FieldOps elsewhere." />
      <Card title="Invite someone">
        <FormError message={form.formError} />
        {invite.isSuccess ? (
          <div className="alert alert-info" role="status">
            Invitation sent to {invite.data.email}.
          </div>
        ) : null}
        <form onSubmit={onSubmit} noValidate className="stack" onChange={form.clearEdited}>
          <TextField label="Email" name="email" type="email" autoComplete="off" errors={form.errors.email} required />
          <SelectField label="Role" name="role" defaultValue="WORKER" errors={form.errors.role} required>
            <option value="WORKER">Field worker</option>
            <option value="ADMIN">Admin</option>
          </SelectField>
          <Button type="submit" variant="primary" busy={invite.isPending}>
            Send invitation
          </Button>
        </form>
      </Card>
      <Card title="Pending invitations">
        <QueryState query={invitations} loading="Loading invitations…">
          {(page) =>
            page.items.length === 0 ? (
              <p className="muted">No pending invitations.</p>
            ) : (
              <ul className="list" aria-label="Pending invitations">
                {page.items.map((i) => (
                  <li key={i.id} className="list-row">
                    <span>
                      <strong>{i.email}</strong> — {ROLE_LABEL[i.role]}
                      <span className="muted"> · until {formatDateTime(i.expires_at)}</span>
                    </span>
                    <Button
                      size="sm"
                      variant="danger"
                      busy={revoke.isPending && revoke.variables === i.id}
                      onClick={() => revoke.mutate(i.id)}
                      aria-label={`Revoke the invitation of ${i.email}`}
                    >
                      Revoke
                    </Button>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
      </Card>
    </>
  );
}
