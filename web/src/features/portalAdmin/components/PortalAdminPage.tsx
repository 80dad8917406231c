import { useState, type ComponentType } from 'react';
import { Button, Card, CheckboxField, Empty, FormError, PageHeader, QueryState, TextArea, toast, useTitle } from '@/components/ui';
import { SelectField } from '@/components/ui/Field';
import { ApiError } from '@/lib/api/errors';
import { formatDateTime } from '@/lib/format';
import {
  useAccounts,
  useDecideAccount,
  useSaveSettings,
  useSettings,
  type Decision,
  type PortalAccount,
  type PortalSettings,
  type RegistrationMode,
  type RequestField,
} from '../api/portal';
import { DigestCard } from './DigestSettingsForm';
import { InvitationsList } from './InvitationsList';
import { PortalReport } from './PortalReport';
import { RequestsChart } from './RequestsChart';

const FIELDS: { field: RequestField; label: string }[] = [
  { field: 'title', label: 'Title' },
  { field: 'description', label: 'Description' },
  { field: 'preferred_windows', label: 'Preferred times' },
  { field: 'service_location_id', label: 'Place' },
  { field: 'urgency', label: 'Urgency' },
];

/** A customer picker (the customers feature's; the route passes it in). */
export type CustomerPickerComponent = ComponentType<{
  purpose: string;
  value: string;
  onChange: (customerId: string) => void;
  errors?: string[] | undefined;
}>;

/**
 * The admin's customer portal: its settings and the registrations waiting for a decision.
 * With `customerPicker`, a registration can also be approved into an existing customer.
 */
export function PortalAdminPage({ customerPicker }: { customerPicker?: CustomerPickerComponent } = {}) {
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
        <PendingAccounts customerPicker={customerPicker} />
      </Card>
      <Card title="Open invitations">
        <InvitationsList />
      </Card>
      <Card title="Daily digest of waiting requests">
        <DigestCard />
      </Card>
      <Card title="The portal per week">
        <PortalReport />
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

function PendingAccounts({ customerPicker }: { customerPicker?: CustomerPickerComponent | undefined }) {
  const accounts = useAccounts('pending');
  return (
    <QueryState query={accounts} loading="Loading registrations…">
      {(data) =>
        data.items.length === 0 ? (
          <Empty title="Nobody is waiting">Registrations on an approval portal appear here once their email is confirmed.</Empty>
        ) : (
          <ul className="stack" aria-label="Pending registrations">
            {data.items.map((account) => (
              <PendingAccount key={account.id} account={account} customerPicker={customerPicker} />
            ))}
          </ul>
        )
      }
    </QueryState>
  );
}

function PendingAccount({ account, customerPicker: Picker }: { account: PortalAccount; customerPicker?: CustomerPickerComponent | undefined }) {
  const decide = useDecideAccount();
  const [reason, setReason] = useState('');
  const [into, setInto] = useState<'new' | 'existing'>('new');
  const [customerId, setCustomerId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});

  async function run(input: Decision, done: string) {
    setError(null);
    setFieldErrors({});
    try {
      await decide.mutateAsync(input);
      toast(done);
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fieldErrors).length > 0) {
        setFieldErrors(e.fieldErrors);
        setError(e.fieldErrors.customer_id ? 'Please choose another customer.' : e.message);
      } else {
        setError(e instanceof Error ? e.message : 'Could not decide');
      }
    }
  }

  function approve() {
    if (into === 'new') return void run({ id: account.id, approve: {} }, `${account.name} approved`);
    if (!customerId) {
      setError(null);
      setFieldErrors({ customer_id: ['Choose the customer to approve them into'] });
      return;
    }
    void run({ id: account.id, approve: { customer_id: customerId } }, `${account.name} approved`);
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
      {Picker ? (
        <fieldset className="field">
          <legend className="field-label">Approve {account.name} as</legend>
          <div className="check">
            <input id={`into-new-${account.id}`} type="radio" name={`into-${account.id}`} checked={into === 'new'} onChange={() => setInto('new')} />
            <label htmlFor={`into-new-${account.id}`}>A new customer, from what they entered</label>
          </div>
          <div className="check">
            <input
              id={`into-existing-${account.id}`}
              type="radio"
              name={`into-${account.id}`}
              checked={into === 'existing'}
              onChange={() => setInto('existing')}
            />
            <label htmlFor={`into-existing-${account.id}`}>An existing customer</label>
          </div>
          {into === 'existing' ? (
            <Picker
              purpose={`for ${account.name}`}
              value={customerId}
              onChange={(id) => {
                setCustomerId(id);
                setFieldErrors({});
              }}
              errors={fieldErrors.customer_id}
            />
          ) : null}
        </fieldset>
      ) : null}
      <Button variant="primary" busy={decide.isPending} onClick={approve}>
        {into === 'new' ? 'Approve as a new customer' : 'Approve into this customer'}
      </Button>
      <TextArea
        label={`Reason to decline ${account.name}`}
        name="reason"
        hint="They see it when they sign in, and by mail."
        value={reason}
        errors={fieldErrors.reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <Button busy={decide.isPending} disabled={!reason.trim()} onClick={() => run({ id: account.id, reason: reason.trim() }, `${account.name} declined`)}>
        Decline
      </Button>
    </li>
  );
}
