import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import {
  BackLink,
  Button,
  ConfirmAction,
  ContactMethodLink,
  CustomFieldsEditor,
  CustomFieldsList,
  DeleteButton,
  Dialog,
  DialogForm,
  EditButton,
  Empty,
  FormError,
  MapLink,
  PageFrame,
  Panel,
  QueryState,
  SelectField,
  TextArea,
  TextField,
  customFieldItems,
  toast,
} from '@/components/ui';
import { ApiError, type DuplicateCandidate, type FieldErrors } from '@/lib/api/errors';
import { useSession } from '@/lib/auth/useSession';
import { useCustomFields, type CustomFieldValues } from '@/lib/api/customFields';
import { editable, errorsWithCustomFields, present, readValues } from '@/lib/customFields';
import { addressLine as formatAddress, formatDateTime } from '@/lib/format';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { useCustomer, type Customer } from '../api/customers';
import {
  useCommunications,
  useContacts,
  useCreateContact,
  useCreateLocation,
  useDeleteCommunication,
  useLocations,
  useLogCommunication,
  useUpdateCommunication,
  useUpdateContact,
  useUpdateLocation,
  type Communication,
  type Contact,
  type ServiceLocation,
} from '../api/records';
import { communicationSchema, contactSchema, locationSchema } from './schemas';

/** A job of the customer, as the page's timeline and job list show it (the route supplies them). */
export interface CustomerJob {
  id: string;
  title: string;
  status: string;
  created_at: string;
}

interface CustomerPageProps {
  customerId: string;
  /** The customer's jobs, newest first; undefined while they load. */
  jobs: CustomerJob[] | undefined;
  /** "New job" for this customer, when the route offers it. */
  newJobHref?: string;
  /** The customer's files panel, from the attachments feature (composed by the route). */
  files?: ReactNode;
  /** The customer's portal panel (inviting them), from the portal feature (composed by the route). */
  portal?: (customer: Customer) => ReactNode;
}

/** One customer: header, locations, contacts, jobs, and the timeline of communications and jobs. */
export function CustomerPage({ customerId, jobs, newJobHref, files, portal }: CustomerPageProps) {
  const customer = useCustomer(customerId);
  const back = <BackLink to={paths.admin.customers}>All customers</BackLink>;
  return (
    <PageFrame query={customer} title={customer.data?.name ?? 'Customer'} back={back} className="page customer-page" loadingLabel="Loading customer…">
      {(c) => (
        <div className="page customer-page">
          {back}
          <CustomerHeader customer={c} newJobHref={newJobHref} />
          <div className="customer-grid">
            <LocationsPanel customerId={c.id} />
            <ContactsPanel customerId={c.id} />
            <JobsPanel jobs={jobs} />
            <TimelinePanel customerId={c.id} jobs={jobs} />
            {files}
            {portal?.(c)}
          </div>
        </div>
      )}
    </PageFrame>
  );
}

function CustomerHeader({ customer, newJobHref }: { customer: Customer; newJobHref?: string }) {
  return (
    <header className="customer-header">
      <h1>{customer.name}</h1>
      <p className="row row-wrap">
        <span className="badge" aria-label={`Account number ${customer.account_number}`}>
          #{customer.account_number}
        </span>
        {customer.tags.map((tag) => (
          <span key={tag} className="badge badge-tag">
            {tag}
          </span>
        ))}
        {customer.do_not_service ? <span className="badge badge-danger">Do not service</span> : null}
      </p>
      {customer.notes ? <p className="prewrap muted">{customer.notes}</p> : null}
      <CustomerFields values={customer.custom_fields} />
      {newJobHref && !customer.do_not_service ? (
        <Link className="btn btn-primary" to={newJobHref}>
          New job
        </Link>
      ) : null}
    </header>
  );
}

/** The customer's custom fields, labelled by the company's definitions. */
function CustomerFields({ values }: { values: Customer['custom_fields'] }) {
  const definitions = useCustomFields('customer');
  return <CustomFieldsList items={customFieldItems(definitions.data, values)} />;
}

/** A location's address on one line. */
export function addressLine(location: ServiceLocation): string {
  return formatAddress(location.address);
}

function LocationsPanel({ customerId }: { customerId: string }) {
  const locations = useLocations(customerId);
  const definitions = useCustomFields('location');
  const [editing, setEditing] = useState<ServiceLocation | 'new' | null>(null);
  return (
    <Panel id="customer-locations" title="Locations" aside={<Button size="sm" onClick={() => setEditing('new')}>Add location</Button>}>
      <QueryState query={locations} loading="Loading locations…">
        {(data) => (
          <ul className="plain-list">
            {data.items.map((l) => (
              <li key={l.id} className="stack-sm" data-testid="customer-location">
                <span>
                  <strong>{l.name}</strong> <EditButton name={l.name} onClick={() => setEditing(l)} />
                </span>
                <MapLink name={l.name} address={l.address} latitude={l.latitude} longitude={l.longitude} />
                {l.access?.gate_code ? (
                  <span>
                    <span className="muted">Gate code: </span>
                    {l.access.gate_code}
                  </span>
                ) : null}
                {l.access?.access_notes ? <span className="prewrap muted">{l.access.access_notes}</span> : null}
                <CustomFieldsList items={customFieldItems(definitions.data, l.custom_fields)} />
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <Dialog open={editing !== null} title={editing && editing !== 'new' ? `Edit ${editing.name}` : 'New location'} onClose={() => setEditing(null)}>
        {editing !== null ? (
          <LocationForm key={editing === 'new' ? 'new' : editing.id} customerId={customerId} location={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
        ) : null}
      </Dialog>
    </Panel>
  );
}

/**
 * A create that answered 409 `duplicate`: the existing records, each a way to
 * the customer it belongs to, and "Create anyway".
 */
export function DuplicateWarning({
  candidates,
  onCreateAnyway,
  busy,
  anyway = 'Create anyway',
}: {
  candidates: DuplicateCandidate[];
  onCreateAnyway: () => void;
  busy: boolean;
  /** The button that goes ahead ("Save anyway" for an edit). */
  anyway?: string;
}) {
  return (
    <div role="alert" className="duplicate-warning stack">
      <p>
        <strong>This may already exist.</strong> Pick the existing record, or create it anyway.
      </p>
      <ul className="plain-list">
        {candidates.map((d) => (
          <li key={`${d.kind}-${d.record_id}-${d.matched}`}>
            <Link to={paths.admin.customer(d.customer_id)}>
              {d.customer_name} (#{d.account_number})
            </Link>{' '}
            <span className="muted">
              same {d.matched} as one of its {d.kind === 'location' ? 'locations' : 'contacts'}
            </span>
          </li>
        ))}
      </ul>
      <Button onClick={onCreateAnyway} busy={busy}>
        {anyway}
      </Button>
    </div>
  );
}

/** The duplicates a failed create found (409 `duplicate`), or none. */
function duplicatesOf(error: unknown): DuplicateCandidate[] {
  return error instanceof ApiError && error.status === 409 ? error.duplicates : [];
}

/**
 * A create form's save with the duplicate check: the first attempt may answer
 * 409 with candidates, shown until the person picks one or creates anyway.
 */
export function useDuplicateAwareSave() {
  const [duplicates, setDuplicates] = useState<DuplicateCandidate[]>([]);
  const [pending, setPending] = useState<(() => Promise<void>) | null>(null);
  /** True once created; false when likely duplicates were found (then shown, with `pending` to create anyway). */
  const attempt = async (create: (allowDuplicate: boolean) => Promise<void>): Promise<boolean> => {
    try {
      await create(false);
      return true;
    } catch (error) {
      const found = duplicatesOf(error);
      if (found.length === 0) throw error;
      setDuplicates(found);
      setPending(() => () => create(true));
      return false;
    }
  };
  return { duplicates, pending, attempt };
}

function LocationForm({ customerId, location, onDone }: { customerId: string; location: ServiceLocation | null; onDone: () => void }) {
  const create = useCreateLocation(customerId);
  const update = useUpdateLocation(customerId);
  const definitions = useCustomFields('location');
  const form = useFormState();
  const save = useDuplicateAwareSave();
  const submit = (element: HTMLFormElement) => {
    const raw = formValues(element);
    const custom = readValues(editable(definitions.data), raw);
    const errors = errorsWithCustomFields(locationSchema, raw, custom.errors);
    if (errors) {
      form.setErrors(errors);
      return Promise.resolve();
    }
    return form.submit(locationSchema, raw, async (values) => {
      const address = { line1: values.line1, line2: values.line2, city: values.city, region: values.region, postal_code: values.postal_code };
      if (location) {
        // The PATCH replaces the whole address: the parts this form does not show (country) are kept.
        // A new address another location has: the candidates, as on create.
        await save.attempt(async (allowDuplicate) => {
          await update.mutateAsync({
            id: location.id,
            name: values.name,
            address: { ...location.address, ...address },
            gate_code: values.gate_code,
            access_notes: values.access_notes,
            custom_fields: custom.values as CustomFieldValues,
            allow_duplicate: allowDuplicate,
          });
          toast('Location saved');
          onDone();
        });
        return;
      }
      await save.attempt(async (allowDuplicate) => {
        await create.mutateAsync({
          name: values.name,
          address,
          gate_code: values.gate_code,
          access_notes: values.access_notes,
          custom_fields: present(custom.values),
          allow_duplicate: allowDuplicate,
        });
        toast('Location added');
        onDone();
      });
    });
  };
  const a = location?.address;
  return (
    <>
      <DialogForm form={form} onSubmit={submit} onCancel={onDone} busy={create.isPending || update.isPending} submitLabel={location ? 'Save' : 'Add location'}>
        <TextField label="Name" name="name" defaultValue={location?.name ?? ''} errors={form.errors.name} required maxLength={200} placeholder="Building C" />
        <TextField label="Street" name="line1" defaultValue={a?.line1 ?? ''} errors={form.errors['address.line1'] ?? form.errors.line1} maxLength={500} />
        <TextField label="Line 2" name="line2" defaultValue={a?.line2 ?? ''} errors={form.errors['address.line2'] ?? form.errors.line2} maxLength={200} />
        <TextField label="City" name="city" defaultValue={a?.city ?? ''} errors={form.errors['address.city'] ?? form.errors.city} maxLength={100} />
        <TextField label="Region" name="region" defaultValue={a?.region ?? ''} errors={form.errors['address.region'] ?? form.errors.region} maxLength={100} />
        <TextField label="Postal code" name="postal_code" defaultValue={a?.postal_code ?? ''} errors={form.errors['address.postal_code'] ?? form.errors.postal_code} maxLength={20} />
        <TextField label="Gate code" name="gate_code" defaultValue={location?.access?.gate_code ?? ''} errors={form.errors.gate_code} maxLength={100} hint="Staff and the assigned worker only; never the customer or a share link." />
        <TextArea label="Access notes" name="access_notes" rows={2} defaultValue={location?.access?.access_notes ?? ''} errors={form.errors.access_notes} maxLength={2000} />
        <CustomFieldsEditor definitions={definitions.data} values={location?.custom_fields} errors={form.errors} />
      </DialogForm>
      {save.duplicates.length > 0 && save.pending ? (
        <DuplicateWarning
          candidates={save.duplicates}
          busy={create.isPending || update.isPending}
          anyway={location ? 'Save anyway' : 'Create anyway'}
          onCreateAnyway={() => void save.pending?.().catch(form.fail)}
        />
      ) : null}
    </>
  );
}

function ContactsPanel({ customerId }: { customerId: string }) {
  const contacts = useContacts(customerId);
  const [editing, setEditing] = useState<Contact | 'new' | null>(null);
  return (
    <Panel id="customer-contacts" title="Contacts" aside={<Button size="sm" onClick={() => setEditing('new')}>Add contact</Button>}>
      <QueryState query={contacts} loading="Loading contacts…">
        {(data) =>
          data.items.length === 0 ? (
            <p className="muted">No contacts yet.</p>
          ) : (
            <ul className="plain-list">
              {data.items.map((k) => (
                <li key={k.id} className="stack-sm">
                  <span>
                    <strong>{k.name}</strong>
                    {k.title ? <span className="muted">, {k.title}</span> : null}
                    {k.is_primary ? <span className="badge">Primary</span> : null}{' '}
                    <EditButton name={k.name} onClick={() => setEditing(k)} />
                  </span>
                  <span className="row row-wrap">
                    {k.methods.map((m) => (
                      <ContactMethodLink key={m.id} method={m} />
                    ))}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
      <Dialog open={editing !== null} title={editing && editing !== 'new' ? `Edit ${editing.name}` : 'New contact'} onClose={() => setEditing(null)}>
        {editing !== null ? (
          <ContactForm key={editing === 'new' ? 'new' : editing.id} customerId={customerId} contact={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
        ) : null}
      </Dialog>
    </Panel>
  );
}

/** A contact's primary method of a kind (the one the form edits). */
function primaryOf(contact: Contact | null, kind: 'mobile' | 'email') {
  const methods = contact?.methods.filter((m) => m.kind === kind) ?? [];
  return methods.find((m) => m.is_primary) ?? methods[0];
}

function ContactForm({ customerId, contact, onDone }: { customerId: string; contact: Contact | null; onDone: () => void }) {
  const create = useCreateContact(customerId);
  const update = useUpdateContact(customerId);
  const form = useFormState();
  const save = useDuplicateAwareSave();
  const mobile = primaryOf(contact, 'mobile');
  const email = primaryOf(contact, 'email');
  const submit = (element: HTMLFormElement) =>
    form.submit(contactSchema, formValues(element), async (values) => {
      const methods = [
        ...(values.mobile ? [{ kind: 'mobile' as const, value: values.mobile, is_primary: true }] : []),
        ...(values.email ? [{ kind: 'email' as const, value: values.email, is_primary: true }] : []),
      ];
      if (contact) {
        // The PATCH replaces every method: the ones this form does not show are kept.
        const others = contact.methods
          .filter((m) => m.id !== mobile?.id && m.id !== email?.id)
          .map((m) => ({ kind: m.kind, value: m.value, is_primary: methods.some((n) => n.kind === m.kind) ? false : m.is_primary }));
        // A phone or email another contact has: the candidates, as on create.
        await save.attempt(async (allowDuplicate) => {
          await update.mutateAsync({ id: contact.id, name: values.name, title: values.title, methods: [...methods, ...others], allow_duplicate: allowDuplicate });
          toast('Contact saved');
          onDone();
        });
        return;
      }
      await save.attempt(async (allowDuplicate) => {
        await create.mutateAsync({ name: values.name, title: values.title, methods, allow_duplicate: allowDuplicate });
        toast('Contact added');
        onDone();
      });
    });
  return (
    <>
      <DialogForm form={form} onSubmit={submit} onCancel={onDone} busy={create.isPending || update.isPending} submitLabel={contact ? 'Save' : 'Add contact'}>
        <TextField label="Name" name="name" defaultValue={contact?.name ?? ''} errors={form.errors.name} required maxLength={200} />
        <TextField label="Title" name="title" defaultValue={contact?.title ?? ''} errors={form.errors.title} maxLength={200} />
        <TextField label="Mobile" name="mobile" type="tel" defaultValue={mobile?.value ?? ''} errors={form.errors.mobile} />
        <TextField label="Email" name="email" type="email" defaultValue={email?.value ?? ''} errors={form.errors.email} />
      </DialogForm>
      {save.duplicates.length > 0 && save.pending ? (
        <DuplicateWarning
          candidates={save.duplicates}
          busy={create.isPending || update.isPending}
          anyway={contact ? 'Save anyway' : 'Create anyway'}
          onCreateAnyway={() => void save.pending?.().catch(form.fail)}
        />
      ) : null}
    </>
  );
}

function JobsPanel({ jobs }: { jobs: CustomerJob[] | undefined }) {
  return (
    <Panel id="customer-jobs" title="Jobs">
      {jobs === undefined ? (
        <p className="muted">Loading jobs…</p>
      ) : jobs.length === 0 ? (
        <p className="muted">No jobs yet.</p>
      ) : (
        <ul className="plain-list">
          {jobs.map((j) => (
            <li key={j.id}>
              <Link to={paths.admin.job(j.id)}>{j.title}</Link> <span className="muted">{j.status}</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

const CHANNELS = { call: 'Call', email: 'Email', text: 'Text', visit: 'Visit' } as const;

type TimelineEntry =
  | { kind: 'communication'; at: string; entry: Communication }
  | { kind: 'job'; at: string; job: CustomerJob };

/** Communications and jobs, newest first. */
export function interleave(communications: Communication[], jobs: CustomerJob[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...communications.map((entry) => ({ kind: 'communication' as const, at: entry.occurred_at, entry })),
    ...jobs.map((job) => ({ kind: 'job' as const, at: job.created_at, job })),
  ];
  return entries.sort((a, b) => b.at.localeCompare(a.at));
}

function TimelinePanel({ customerId, jobs }: { customerId: string; jobs: CustomerJob[] | undefined }) {
  const communications = useCommunications(customerId);
  const session = useSession();
  const me = session.status === 'authenticated' ? session.user.id : null;
  const [editing, setEditing] = useState<Communication | null>(null);
  const [deleting, setDeleting] = useState<Communication | null>(null);
  const remove = useDeleteCommunication(customerId);
  return (
    <Panel id="customer-timeline" title="Timeline">
      <LogForm customerId={customerId} />
      <QueryState query={communications} loading="Loading the log…">
        {(data) => {
          const entries = interleave(data.items, jobs ?? []);
          if (entries.length === 0) return <Empty title="Nothing logged yet" />;
          return (
            <ol className="timeline plain-list" aria-label="Communications and jobs">
              {entries.map((e) =>
                e.kind === 'communication' ? (
                  <li key={`c-${e.entry.id}`}>
                    <span className="strong">
                      {CHANNELS[e.entry.channel as keyof typeof CHANNELS] ?? e.entry.channel} ({e.entry.direction})
                    </span>{' '}
                    <time className="muted" dateTime={e.at}>
                      {formatDateTime(e.at)}
                    </time>
                    {e.entry.author_name ? <span className="muted"> by {e.entry.author_name}</span> : null}
                    {/* The database lets only an entry's author change it; the buttons follow. */}
                    {e.entry.author_id === me ? (
                      <>
                        {' '}
                        <EditButton name={`the ${e.entry.channel} entry of ${formatDateTime(e.at)}`} onClick={() => setEditing(e.entry)} />{' '}
                        <DeleteButton name={`the ${e.entry.channel} entry of ${formatDateTime(e.at)}`} onClick={() => setDeleting(e.entry)} />
                      </>
                    ) : null}
                    <p className="prewrap">{e.entry.summary}</p>
                  </li>
                ) : (
                  <li key={`j-${e.job.id}`}>
                    <span className="strong">Job created</span>{' '}
                    <time className="muted" dateTime={e.at}>
                      {formatDateTime(e.at)}
                    </time>
                    <p>
                      <Link to={paths.admin.job(e.job.id)}>{e.job.title}</Link>
                    </p>
                  </li>
                ),
              )}
            </ol>
          );
        }}
      </QueryState>
      <Dialog open={editing !== null} title="Edit the entry" onClose={() => setEditing(null)}>
        {editing ? <EditEntryForm key={editing.id} customerId={customerId} entry={editing} onDone={() => setEditing(null)} /> : null}
      </Dialog>
      <ConfirmAction
        target={deleting}
        onClose={() => setDeleting(null)}
        title={() => 'Delete this entry?'}
        message="It leaves the customer's timeline. The history keeps a record of it."
        confirmLabel="Delete entry"
        action={remove}
        done="Entry deleted"
      />
    </Panel>
  );
}

function EditEntryForm({ customerId, entry, onDone }: { customerId: string; entry: Communication; onDone: () => void }) {
  const update = useUpdateCommunication(customerId);
  const form = useFormState();
  const submit = (element: HTMLFormElement) =>
    form.submit(communicationSchema, formValues(element), async (values) => {
      await update.mutateAsync({ id: entry.id, version: entry.version, ...values });
      toast('Entry saved');
      onDone();
    });
  return (
    <DialogForm form={form} onSubmit={submit} onCancel={onDone} busy={update.isPending} submitLabel="Save">
      <EntryFields errors={form.errors} entry={entry} />
    </DialogForm>
  );
}

/** Channel, direction and summary of a log entry (new or edited). */
function EntryFields({ errors, entry }: { errors: FieldErrors; entry?: Communication }) {
  return (
    <>
      <div className="row row-wrap">
        <SelectField label="Channel" name="channel" defaultValue={entry?.channel ?? 'call'} errors={errors.channel}>
          {Object.entries(CHANNELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <SelectField label="Direction" name="direction" defaultValue={entry?.direction ?? 'inbound'} errors={errors.direction}>
          <option value="inbound">Inbound</option>
          <option value="outbound">Outbound</option>
        </SelectField>
      </div>
      <TextArea label="Summary" name="summary" rows={2} required maxLength={5000} defaultValue={entry?.summary ?? ''} errors={errors.summary} />
    </>
  );
}

function LogForm({ customerId }: { customerId: string }) {
  const log = useLogCommunication(customerId);
  const form = useFormState();
  const submit = (element: HTMLFormElement) =>
    form.submit(communicationSchema, formValues(element), async (values) => {
      await log.mutateAsync(values);
      element.reset();
      toast('Logged');
    });
  return (
    <form
      className="stack log-form"
      aria-label="Log a communication"
      noValidate
      onChange={form.clearEdited}
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      <FormError message={form.formError} />
      <EntryFields errors={form.errors} />
      <div>
        <Button type="submit" variant="primary" busy={log.isPending}>
          Log it
        </Button>
      </div>
    </form>
  );
}
