import { useState } from 'react';
import { Link } from 'react-router';
import { Button, ConfirmAction, CustomFieldsEditor, Options, SelectField, DeleteButton, Dialog, DialogForm, EditButton, Empty, Filters, PageHeader, Pager, QueryState, SearchFilter, Table, TextArea, TextField, toast, useCursorPager, useTitle } from '@/components/ui';
import { telHref } from '@/lib/format';
import { useBranches } from '@/lib/api/branches';
import { useCustomFields, type CustomFieldValues } from '@/lib/api/customFields';
import { editable, errorsWithCustomFields, present, readValues } from '@/lib/customFields';
import { formValues, useFormState } from '@/lib/forms';
import { paths } from '@/lib/paths';
import { useDebounced } from '@/lib/useDebounced';
import { useCreateCustomer, useCustomers, useDeleteCustomer, useUpdateCustomer, type Customer } from '../api/customers';
import { DuplicateWarning, useDuplicateAwareSave } from './CustomerPage';
import { customerSchema } from './schemas';

/** Customers: search, create, edit, delete. */
export function CustomersPage() {
  useTitle('Customers');
  const [q, setQ] = useState('');
  const search = useDebounced(q.trim());
  const pager = useCursorPager(search);
  const customers = useCustomers({ q: search || undefined, limit: 25, cursor: pager.cursor });
  const remove = useDeleteCustomer();
  const [editing, setEditing] = useState<Customer | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Customer | null>(null);

  return (
    <div className="page">
      <PageHeader
        title="Customers"
        subtitle="The people and businesses you do jobs for."
        actions={
          <Button variant="primary" onClick={() => setEditing('new')}>
            New customer
          </Button>
        }
      />
      <Filters label="Filter customers">
        <SearchFilter id="customers-q" placeholder="Name, email or phone" value={q} onChange={setQ} />
      </Filters>
      <QueryState query={customers} loading="Loading customers…">
        {(data) =>
          data.items.length === 0 ? (
            search ? (
              <Empty title="No customers match">Try another name.</Empty>
            ) : (
              <Empty title="No customers yet" action={<Button onClick={() => setEditing('new')}>Add the first customer</Button>} />
            )
          ) : (
            <>
              <Table caption="Customers" columns={['Name', 'Email', 'Phone', 'Address']} actions>
              {data.items.map((c) => (
                <tr key={c.id}>
                  <td data-label="Name" className="strong">
                    <Link to={paths.admin.customer(c.id)}>{c.name}</Link>
                  </td>
                  <td data-label="Email">{c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : <span className="muted">—</span>}</td>
                  <td data-label="Phone">{c.phone ? <a href={telHref(c.phone)}>{c.phone}</a> : <span className="muted">—</span>}</td>
                  <td data-label="Address">{c.address ?? <span className="muted">—</span>}</td>
                  <td className="cell-actions">
                    <EditButton name={c.name} onClick={() => setEditing(c)} />
                    <DeleteButton name={c.name} onClick={() => setDeleting(c)} />
                  </td>
                </tr>
              ))}
              </Table>
              <Pager page={pager.page} nextCursor={data.next_cursor} onNext={pager.next} onPrevious={pager.previous} busy={customers.isFetching} />
            </>
          )
        }
      </QueryState>
      <Dialog open={editing !== null} title={editing && editing !== 'new' ? `Edit ${editing.name}` : 'New customer'} onClose={() => setEditing(null)}>
        {editing !== null ? <CustomerForm key={editing === 'new' ? 'new' : editing.id} customer={editing === 'new' ? null : editing} onDone={() => setEditing(null)} /> : null}
      </Dialog>
      <ConfirmAction
        target={deleting}
        onClose={() => setDeleting(null)}
        title={(c) => `Delete ${c.name}?`}
        message="The customer disappears from lists and pickers. Their past jobs are kept."
        confirmLabel="Delete customer"
        action={remove}
        done="Customer deleted"
      />
    </div>
  );
}

export function CustomerForm({ customer, onDone }: { customer: Customer | null; onDone: () => void }) {
  const create = useCreateCustomer();
  const update = useUpdateCustomer();
  const form = useFormState();
  const definitions = useCustomFields('customer');
  const branches = useBranches();

  const duplicates = useDuplicateAwareSave();
  const created = () => {
    toast(customer ? 'Customer saved' : 'Customer created');
    onDone();
  };
  const save = (element: HTMLFormElement) => {
    const raw = formValues(element);
    const custom = readValues(editable(definitions.data), raw);
    const errors = errorsWithCustomFields(customerSchema, raw, custom.errors);
    if (errors) {
      form.setErrors(errors);
      return Promise.resolve();
    }
    return form.submit(customerSchema, raw, async (values) => {
      // A new one, or a new phone, email or address of an edit, may repeat
      // another customer's: then the candidates are shown instead (pick one,
      // or go ahead anyway).
      const done = await duplicates.attempt(async (allowDuplicate) => {
        if (customer) {
          // An edit is merged by the server; an emptied field is sent as null, which removes it.
          await update.mutateAsync({
            id: customer.id,
            ...values,
            custom_fields: custom.values as CustomFieldValues,
            allow_duplicate: allowDuplicate,
          });
        } else {
          await create.mutateAsync({ ...values, custom_fields: present(custom.values), allow_duplicate: allowDuplicate });
        }
      });
      if (done) created();
    });
  };

  return (
    <DialogForm form={form} onSubmit={save} onCancel={onDone} busy={create.isPending || update.isPending} submitLabel={customer ? 'Save' : 'Create customer'}>
      <TextField label="Name" name="name" defaultValue={customer?.name ?? ''} errors={form.errors.name} required maxLength={200} />
      <TextField label="Email" name="email" type="email" defaultValue={customer?.email ?? ''} errors={form.errors.email} />
      <TextField label="Phone" name="phone" type="tel" defaultValue={customer?.phone ?? ''} errors={form.errors.phone} />
      <TextArea label="Address" name="address" rows={2} defaultValue={customer?.address ?? ''} errors={form.errors.address} />
      {branches.data && branches.data.length > 0 ? (
        <SelectField label="Branch" name="branch_id" defaultValue={customer?.branch_id ?? ''} errors={form.errors.branch_id} hint="A shared customer is seen by every branch.">
          <option value="">Shared by every branch</option>
          <Options items={branches.data} />
        </SelectField>
      ) : null}
      <CustomFieldsEditor definitions={definitions.data} values={customer?.custom_fields as CustomFieldValues | undefined} errors={form.errors} />
      {duplicates.duplicates.length > 0 && duplicates.pending ? (
        <DuplicateWarning
          candidates={duplicates.duplicates}
          busy={create.isPending || update.isPending}
          anyway={customer ? 'Save anyway' : 'Create anyway'}
          onCreateAnyway={() => void duplicates.pending?.().then(created, form.fail)}
        />
      ) : null}
    </DialogForm>
  );
}
