import { useState } from 'react';
import { Button, Card, CheckboxField, FormError, PageHeader, QueryState, TextField, toast, useTitle } from '@/components/ui';
import { useAuthed } from '@/lib/auth/useSession';
import { useFormState } from '@/lib/forms';
import { useChangeEmail, usePreferences, useRename, useSavePreferences } from '../api/preferences';
import { emailSchema, nameSchema } from './schemas';

/** The customer's own profile: its name, its email (confirmed by mail) and its notification mails. */
export function ProfilePage() {
  useTitle('Profile');
  const preferences = usePreferences();
  const save = useSavePreferences();
  return (
    <div className="page page-narrow">
      <PageHeader title="Profile" />
      <Card title="You">
        <NameForm />
        <EmailForm />
      </Card>
      <Card title="Notification mails">
        <QueryState query={preferences} loading="Loading your settings…">
          {(data) => (
            <CheckboxField
              label="Mail me about new messages, job status changes and decisions on my requests"
              hint="Mails about your account (confirmation, password reset, approval) always come."
              checked={data.mail_notifications}
              disabled={save.isPending}
              onChange={(e) =>
                save.mutate(
                  { mail_notifications: e.target.checked },
                  { onSuccess: (saved) => toast(saved.mail_notifications ? 'Notification mails on' : 'Notification mails off') },
                )
              }
            />
          )}
        </QueryState>
      </Card>
    </div>
  );
}

function NameForm() {
  const { user } = useAuthed();
  const rename = useRename();
  const form = useFormState();
  const [name, setName] = useState(user.name);
  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    await form.submit(nameSchema, { name }, async (input) => {
      await rename.mutateAsync(input.name);
      toast('Name saved');
    });
  }
  return (
    <form className="stack" onSubmit={onSubmit} noValidate onChange={form.clearEdited}>
      <FormError message={form.formError} />
      <TextField label="Your name" name="name" value={name} onChange={(e) => setName(e.target.value)} errors={form.errors.name} />
      <div className="row">
        <Button type="submit" busy={rename.isPending}>
          Save name
        </Button>
      </div>
    </form>
  );
}

function EmailForm() {
  const { user } = useAuthed();
  const change = useChangeEmail();
  const form = useFormState();
  const [email, setEmail] = useState('');
  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    await form.submit(emailSchema, { email }, async (input) => {
      await change.mutateAsync(input.email);
      setEmail('');
    });
  }
  return (
    <form className="stack" onSubmit={onSubmit} noValidate onChange={form.clearEdited}>
      <FormError message={form.formError} />
      <TextField
        label="New email"
        name="email"
        type="email"
        hint={`You sign in with ${user.email}. The new address works once you open the link we mail to it.`}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        errors={form.errors.email}
      />
      {change.isSuccess ? (
        <p role="status" className="muted">
          Check the new address: the link in our mail confirms it.
        </p>
      ) : null}
      <div className="row">
        <Button type="submit" busy={change.isPending}>
          Change email
        </Button>
      </div>
    </form>
  );
}
