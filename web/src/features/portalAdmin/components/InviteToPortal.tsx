import { useState } from 'react';
import { Button, FormError, TextField, toast } from '@/components/ui';
import { formValues, useFormState } from '@/lib/forms';
import { useInviteCustomer } from '../api/portal';
import { invitationSchema } from './schemas';

/**
 * "Invite to the portal" for one customer (the customer page composes it):
 * an email, prefilled with the customer's own; the link is mailed and the
 * invitation joins the open ones on the portal page.
 */
export function InviteToPortal({ customerId, customerName, email }: { customerId: string; customerName: string; email?: string | null }) {
  const invite = useInviteCustomer(customerId);
  const form = useFormState();
  const [sent, setSent] = useState<string | null>(null);
  const submit = (element: HTMLFormElement) =>
    form.submit(invitationSchema, formValues(element), async (values) => {
      setSent(null);
      await invite.mutateAsync(values.email);
      setSent(values.email);
      toast(`Invitation sent to ${values.email}`);
    });
  return (
    <form
      className="stack"
      aria-label={`Invite ${customerName} to the portal`}
      noValidate
      onChange={form.clearEdited}
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      <FormError message={form.formError} />
      <TextField
        label="Email to invite"
        name="email"
        type="email"
        defaultValue={email ?? ''}
        errors={form.errors.email}
        hint="They get a link to register (valid 7 days), linked to this customer."
        required
        maxLength={254}
      />
      {sent ? (
        <p role="status" className="muted">
          Invitation sent to {sent}. It is listed under open invitations on the portal page until it is used.
        </p>
      ) : null}
      <div>
        <Button type="submit" variant="primary" busy={invite.isPending}>
          Invite to the portal
        </Button>
      </div>
    </form>
  );
}
