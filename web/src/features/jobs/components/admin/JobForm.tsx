import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { BackLink, Button, Card, CustomFieldsEditor, FormError, Options, PageHeader, SelectField, TextArea, TextField, toast, useTitle, type Option } from '@/components/ui';
import { fromLocalInput, toLocalInput } from '@/lib/format';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import type { JobDetail } from '@/lib/api/types';
import { useCustomFields, type CustomFieldValues } from '@/lib/api/customFields';
import { editable, errorsWithCustomFields, present, readValues } from '@/lib/customFields';
import { useCreateJob, useUpdateJob } from '../../api/jobs';
import { useJobStatuses } from '@/lib/api/jobStatuses';
import { jobFormSchema } from '../schemas';

interface JobFormProps {
  job?: JobDetail;
  customers: Option[] | undefined;
  customersLoading: boolean;
  customerQuery: string;
  onCustomerQuery: (q: string) => void;
  workers: Option[] | undefined;
  /** The company's branches (the pickers' choices); none: no branch picker. */
  branches?: Option[];
  /** The chosen customer's service locations and contacts (the route loads them for `onCustomerChange`). */
  locations?: Option[];
  contacts?: Option[];
  onCustomerChange?: (customerId: string) => void;
  /** A new job's preselected customer (the customer page's "New job"). */
  initialCustomer?: Option | null;
}

/** Create or edit a job: customer, title, description, status, worker, date (and tasks when new). */
export function JobForm(props: JobFormProps) {
  const { job } = props;
  return job ? <EditJob {...props} job={job} /> : <NewJob {...props} />;
}

function NewJob(props: JobFormProps) {
  useTitle('New job');
  const create = useCreateJob();
  const navigate = useNavigate();
  return (
    <JobFormBody
      {...props}
      heading="New job"
      submitLabel="Create job"
      busy={create.isPending}
      cancelTo={paths.admin.jobs}
      onSave={async (values, custom) => {
        const created = await create.mutateAsync({
          customer_id: values.customer_id,
          title: values.title,
          description: values.description || null,
          status_id: values.status_id || null,
          assigned_worker_id: values.assigned_worker_id || null,
          scheduled_at: fromLocalInput(values.scheduled_at),
          service_location_id: values.service_location_id || null,
          site_contact_id: values.site_contact_id || null,
          branch_id: values.branch_id || null,
          tasks: values.tasks,
          custom_fields: present(custom),
        });
        toast('Job created');
        navigate(paths.admin.job(created.id));
      }}
    />
  );
}

function EditJob(props: JobFormProps & { job: JobDetail }) {
  useTitle(`Edit ${props.job.title}`);
  const update = useUpdateJob(props.job.id);
  const navigate = useNavigate();
  return (
    <JobFormBody
      {...props}
      heading="Edit job"
      submitLabel="Save changes"
      busy={update.isPending}
      cancelTo={paths.admin.job(props.job.id)}
      onSave={async (values, custom) => {
        await update.mutateAsync({
          customer_id: values.customer_id,
          title: values.title,
          description: values.description,
          status_id: values.status_id || undefined,
          assigned_worker_id: values.assigned_worker_id || null,
          scheduled_at: fromLocalInput(values.scheduled_at),
          ...(values.service_location_id !== undefined ? { service_location_id: values.service_location_id || null } : {}),
          ...(values.site_contact_id !== undefined ? { site_contact_id: values.site_contact_id || null } : {}),
          ...(values.branch_id !== undefined && values.branch_id !== (props.job.branch_id ?? '') ? { branch_id: values.branch_id || null } : {}),
          // Merged by the server; an emptied field is sent as null, which removes it.
          custom_fields: custom as CustomFieldValues,
          version: props.job.version,
        });
        toast('Job saved');
        navigate(paths.admin.job(props.job.id));
      }}
    />
  );
}

interface BodyProps extends JobFormProps {
  heading: string;
  submitLabel: string;
  busy: boolean;
  cancelTo: string;
  onSave: (values: ReturnType<typeof jobFormSchema.parse>, custom: Record<string, string | number | boolean | null>) => Promise<void>;
}

function JobFormBody({ job, customers, customersLoading, customerQuery, onCustomerQuery, workers, branches, locations, contacts, onCustomerChange, initialCustomer, heading, submitLabel, busy, cancelTo, onSave }: BodyProps) {
  const statuses = useJobStatuses();
  const definitions = useCustomFields('job');
  const form = useFormState();
  const [tasks, setTasks] = useState<string[]>(job ? [] : ['']);
  const [customerId, setCustomerId] = useState(job?.customer.id ?? initialCustomer?.id ?? '');

  // Keep the chosen customer selectable while the search shows others.
  const [chosen, setChosen] = useState<Option | null>(job?.customer ?? initialCustomer ?? null);
  const customerOptions = [...(customers ?? [])];
  if (chosen && !customerOptions.some((c) => c.id === chosen.id)) customerOptions.unshift(chosen);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const raw = formValues(event.currentTarget);
    const input = { ...raw, tasks: tasks.map((t) => t.trim()).filter(Boolean) };
    const custom = readValues(editable(definitions.data), raw);
    const errors = errorsWithCustomFields(jobFormSchema, input, custom.errors);
    if (errors) {
      form.setErrors(errors);
      return;
    }
    await form.submit(jobFormSchema, input, (values) => onSave(values, custom.values));
  }

  return (
    <div className="page page-narrow">
      <PageHeader
        back={<BackLink to={cancelTo}>Back</BackLink>}
        title={heading}
      />
      <form onSubmit={onSubmit} noValidate className="stack-lg" onChange={form.clearEdited}>
        <FormError message={form.formError} />
        <Card title="Job">
          <div className="stack">
            <TextField label="Title" name="title" defaultValue={job?.title ?? ''} errors={form.errors.title} required maxLength={200} />
            <TextArea label="Description" name="description" rows={4} defaultValue={job?.description ?? ''} errors={form.errors.description} />
            <div className="grid-2">
              <div className="stack-sm">
                <TextField
                  label="Find customer"
                  type="search"
                  value={customerQuery}
                  onChange={(e) => onCustomerQuery(e.target.value)}
                  placeholder="Type to search customers"
                  hint={customersLoading ? 'Searching…' : undefined}
                />
                <SelectField label="Customer" name="customer_id" value={customerId} onChange={(e) => {
                    setCustomerId(e.target.value);
                    setChosen(customerOptions.find((c) => c.id === e.target.value) ?? null);
                    onCustomerChange?.(e.target.value);
                  }} errors={form.errors.customer_id} required>
                  <option value="">Choose a customer…</option>
                  <Options items={customerOptions} />
                </SelectField>
                {customerId && locations ? (
                  <SelectField
                    label="Location"
                    name="service_location_id"
                    key={`location-${customerId}`}
                    defaultValue={job?.customer.id === customerId ? (job.service_location?.id ?? '') : ''}
                    errors={form.errors.service_location_id}
                    hint={locations.length > 1 ? 'The customer has several locations: pick one' : undefined}
                  >
                    {locations.length === 1 ? null : <option value="">Choose a location…</option>}
                    <Options items={locations} />
                  </SelectField>
                ) : null}
                {customerId && contacts ? (
                  <SelectField
                    label="Site contact"
                    name="site_contact_id"
                    key={`contact-${customerId}`}
                    defaultValue={job?.customer.id === customerId ? (job.site_contact?.id ?? '') : ''}
                    errors={form.errors.site_contact_id}
                  >
                    <option value="">None</option>
                    <Options items={contacts} />
                  </SelectField>
                ) : null}
              </div>
              <div className="stack-sm">
                {branches && branches.length > 0 ? (
                  <SelectField label="Branch" name="branch_id" defaultValue={job?.branch_id ?? ''} errors={form.errors.branch_id} key={`branch-${branches.length}`}>
                    <option value="">{job ? 'Company-wide' : 'Default (yours, or the customer’s)'}</option>
                    <Options items={branches} />
                  </SelectField>
                ) : null}
                <SelectField label="Assigned worker" name="assigned_worker_id" defaultValue={job?.assigned_worker?.id ?? ''} errors={form.errors.assigned_worker_id}>
                  <option value="">Unassigned</option>
                  <Options items={workers} />
                </SelectField>
                <SelectField
                  label="Status"
                  name="status_id"
                  defaultValue={job?.status.id ?? ''}
                  errors={form.errors.status_id}
                  key={statuses.data ? 'loaded' : 'loading'}
                  hint={job ? undefined : 'Leave as is for the first status'}
                >
                  {job ? null : <option value="">First status{statuses.data?.[0] ? ` (${statuses.data[0].name})` : ''}</option>}
                  <Options items={statuses.data} />
                </SelectField>
              </div>
            </div>
            <TextField
              label="Scheduled for"
              name="scheduled_at"
              type="datetime-local"
              defaultValue={toLocalInput(job?.scheduled_at)}
              errors={form.errors.scheduled_at}
              className="field-md"
            />
          </div>
        </Card>
        {editable(definitions.data).length > 0 ? (
          <Card title="More details">
            <CustomFieldsEditor definitions={definitions.data} values={job?.custom_fields as CustomFieldValues | undefined} errors={form.errors} />
          </Card>
        ) : null}
        {job ? null : (
          <Card title="Tasks">
            <div className="stack-sm">
              {tasks.map((task, index) => (
                <div className="row" key={index}>
                  <label className="visually-hidden" htmlFor={`task-${index}`}>
                    Task {index + 1}
                  </label>
                  <input
                    id={`task-${index}`}
                    className="input"
                    value={task}
                    placeholder={`Task ${index + 1}`}
                    onChange={(e) => setTasks(tasks.map((t, i) => (i === index ? e.target.value : t)))}
                  />
                  <button type="button" className="icon-btn" aria-label={`Remove task ${index + 1}`} onClick={() => setTasks(tasks.filter((_, i) => i !== index))}>
                    <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
                      <path d="M6 6l12 12M18 6L6 18" />
                    </svg>
                  </button>
                </div>
              ))}
              {form.errors.tasks ? (
                <p className="field-error" role="alert">
                  {form.errors.tasks.join('; ')}
                </p>
              ) : null}
              <div>
                <Button size="sm" onClick={() => setTasks([...tasks, ''])}>
                  Add another task
                </Button>
              </div>
            </div>
          </Card>
        )}
        <div className="form-actions">
          <Link to={cancelTo} className="btn btn-secondary btn-md">
            Cancel
          </Link>
          <Button type="submit" variant="primary" busy={busy}>
            {submitLabel}
          </Button>
        </div>
      </form>
    </div>
  );
}
