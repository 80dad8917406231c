import { useState } from 'react';
import { Button, Card, CheckboxField, Empty, FormError, PageHeader, QueryState, TextArea, toast, useTitle } from '@/components/ui';
import { SelectField } from '@/components/ui/Field';
import { formatDateTime } from '@/lib/format';
import {
  useAccounts,
  useDecideAccount,
  useSaveSettings,
  useSettings,
  type PortalAccount,
  type PortalSettings,
  type RegistrationMode,
  type RequestField,
} from '../api/portal';
import { RequestsChart } from './RequestsChart';

const FIELDS: { field: RequestField; label: string }[] = [
  { field: 'title', label: 'Title' },
  { field: 'description', label: 'Description' },
  { field: 'preferred_windows', label: 'Preferred times' },
  { field: 'service_location_id', label: 'Place' },
  { field: 'urgency', label: 'Urgency' },
];

/** The admin's customer portal: its settings and the registrations waiting for a decision. */
export function PortalAdminPage() {
  useTitle('Customer portal');
  const settings = useSettings();
  return (
    <div className="page page-narrow">
      <PageHeader title="Customer portal" subtitle="Who may register, what stays locked, which mails customers get." />
      <Card title="Settings">
        <QueryState query={settings} loading="Loading the settings…">
          {(data) => <SettingsForm key={data.version} settings={data} />}
        </QueryState>
      </Card>
      <Card title="Registrations waiting for approval">
        <PendingAccounts />
      </Card>
      <Card title="Requests per week">
        <RequestsChart />
      </Card>
    </div>
  );
}

function SettingsForm({ settings }: { settings: PortalSettings }) {
  const save = useSaveSettings();
  const [mode, setMode] = useState<RegistrationMode>(settings.registration_mode);
  const [locked, setLocked] = useState<RequestField[]>(settings.locked_fields);
  const [statusMails, setStatusMails] = useState(settings.job_status_mails);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await save.mutateAsync({ version: settings.version, registration_mode: mode, locked_fields: locked, job_status_mails: statusMails });
      toast('Portal settings saved');
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not save the settings');
    }
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <FormError message={error} />
      <SelectField label="Who may register" name="registration_mode" value={mode} onChange={(e) => setMode(e.target.value as RegistrationMode)}>
        <option value="invitation">Only people we invite</option>
        <option value="approval">Anyone, once we approve them</option>
        <option value="open">Anyone</option>
      </SelectField>
      <fieldset className="stack">
        <legend>Locked once a request is approved</legend>
        {FIELDS.map(({ field, label }) => (
          <CheckboxField
            key={field}
            label={label}
            checked={locked.includes(field)}
            onChange={(e) => setLocked(e.target.checked ? [...locked, field] : locked.filter((f) => f !== field))}
          />
        ))}
      </fieldset>
      <CheckboxField
        label="Mail customers when one of their jobs changes status"
        checked={statusMails}
        onChange={(e) => setStatusMails(e.target.checked)}
      />
      <div className="row">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save settings
        </Button>
      </div>
    </form>
  );
}

function PendingAccounts() {
  const accounts = useAccounts('pending');
  return (
    <QueryState query={accounts} loading="Loading registrations…">
      {(data) =>
        data.items.length === 0 ? (
          <Empty title="Nobody is waiting">Registrations on an approval portal appear here once their email is confirmed.</Empty>
        ) : (
          <ul className="stack" aria-label="Pending registrations">
            {data.items.map((account) => (
              <PendingAccount key={account.id} account={account} />
            ))}
          </ul>
        )
      }
    </QueryState>
  );
}

function PendingAccount({ account }: { account: PortalAccount }) {
  const decide = useDecideAccount();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function run(input: { id: string; reason?: string }, done: string) {
    setError(null);
    try {
      await decide.mutateAsync(input);
      toast(done);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not decide');
    }
  }

  return (
    <li className="note stack">
      <div className="note-meta">
        <span className="note-author">{account.name}</span>
        <span>{account.email}</span>
        {account.phone ? <span>{account.phone}</span> : null}
        <time dateTime={account.created_at}>{formatDateTime(account.created_at)}</time>
      </div>
      {account.address ? <p className="note-body">{account.address}</p> : null}
      <FormError message={error} />
      <Button variant="primary" busy={decide.isPending} onClick={() => run({ id: account.id }, `${account.name} approved`)}>
        Approve as a new customer
      </Button>
      <TextArea
        label={`Reason to decline ${account.name}`}
        name="reason"
        hint="They see it when they sign in, and by mail."
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <Button busy={decide.isPending} disabled={!reason.trim()} onClick={() => run({ id: account.id, reason: reason.trim() }, `${account.name} declined`)}>
        Decline
      </Button>
    </li>
  );
}
