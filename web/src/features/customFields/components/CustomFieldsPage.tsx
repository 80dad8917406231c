import { useState } from 'react';
import { Button, Card, CheckboxField, ConfirmAction, DeleteButton, Dialog, DialogForm, EditButton, Empty, PageHeader, Pill, QueryState, SelectField, TextArea, TextField, toast, useTitle } from '@/components/ui';
import { errorMessage, isApiError } from '@/lib/api/errors';
import { useCustomFields, type CustomFieldDefinition, type CustomFieldEntity } from '@/lib/api/customFields';
import { useFormState } from '@/lib/forms';
import { useCreateCustomField, useDeleteCustomField, useUpdateCustomField } from '../api/customFields';
import { customFieldSchema, parseOptions } from './schemas';

const ENTITIES: { entity: CustomFieldEntity; title: string }[] = [
  { entity: 'job', title: 'Job fields' },
  { entity: 'customer', title: 'Customer fields' },
  { entity: 'location', title: 'Location fields' },
];

const TYPES = [
  { value: 'text', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'date', label: 'Date' },
  { value: 'boolean', label: 'Yes / no' },
  { value: 'choice', label: 'One of a list' },
] as const;

type Editing = { entity: CustomFieldEntity; field: CustomFieldDefinition | null };

/** Settings: the company's custom fields of jobs, customers and locations. */
export function CustomFieldsPage() {
  useTitle('Custom fields');
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<CustomFieldDefinition | null>(null);
  const remove = useDeleteCustomField();
  return (
    <div className="page page-narrow">
      <PageHeader title="Custom fields" subtitle="Extra details your company records on jobs, customers and locations. Staff only unless you show them to workers or customers." />
      <div className="stack-lg">
        {ENTITIES.map(({ entity, title }) => (
          <EntityFields key={entity} entity={entity} title={title} onNew={() => setEditing({ entity, field: null })} onEdit={(field) => setEditing({ entity, field })} onDelete={setDeleting} />
        ))}
      </div>
      <Dialog open={editing !== null} title={editing?.field ? `Edit “${editing.field.label}”` : 'New custom field'} onClose={() => setEditing(null)}>
        {editing ? <FieldForm key={editing.field?.id ?? `new-${editing.entity}`} entity={editing.entity} field={editing.field} onDone={() => setEditing(null)} /> : null}
      </Dialog>
      <ConfirmAction
        target={deleting}
        onClose={() => setDeleting(null)}
        title={(f) => `Delete “${f.label}”?`}
        message="Only a field that no record has a value for can be deleted; archive it otherwise."
        confirmLabel="Delete field"
        action={remove}
        done="Field deleted"
        failed={(e, f) => (isApiError(e, 409) ? `“${f.label}” has values: archive it instead.` : errorMessage(e))}
      />
    </div>
  );
}

function EntityFields({ entity, title, onNew, onEdit, onDelete }: { entity: CustomFieldEntity; title: string; onNew: () => void; onEdit: (f: CustomFieldDefinition) => void; onDelete: (f: CustomFieldDefinition) => void }) {
  const fields = useCustomFields(entity);
  return (
    <Card
      title={title}
      actions={
        <Button size="sm" onClick={onNew} aria-label={`New ${entity} field`}>
          New field
        </Button>
      }
    >
      <QueryState query={fields} loading="Loading fields…">
        {(data) =>
          data.length === 0 ? (
            <Empty title="No fields yet" />
          ) : (
            <ul className="list-card" aria-label={title}>
              {data.map((f) => (
                <li key={f.id} className="list-row">
                  <div className="list-main">
                    <span className="strong">{f.label}</span>
                    <span className="row row-wrap">
                      <Pill>{TYPES.find((t) => t.value === f.field_type)?.label ?? f.field_type}</Pill>
                      <code className="muted">{f.key}</code>
                      {f.is_required ? <Pill tone="warning">Required</Pill> : null}
                      {f.visible_to_workers ? <Pill tone="info">Workers</Pill> : null}
                      {f.visible_to_customers ? <Pill tone="info">Customers</Pill> : null}
                      {!f.visible_to_workers && !f.visible_to_customers ? <Pill>Staff only</Pill> : null}
                      {f.is_archived ? <Pill tone="danger">Archived</Pill> : null}
                    </span>
                  </div>
                  <div className="list-actions">
                    <EditButton name={f.label} onClick={() => onEdit(f)} />
                    <DeleteButton name={f.label} onClick={() => onDelete(f)} />
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </Card>
  );
}

function FieldForm({ entity, field, onDone }: { entity: CustomFieldEntity; field: CustomFieldDefinition | null; onDone: () => void }) {
  const create = useCreateCustomField();
  const update = useUpdateCustomField();
  const form = useFormState();
  const [type, setType] = useState<string>(field?.field_type ?? 'text');

  const save = (element: HTMLFormElement) => {
    const data = new FormData(element);
    const text = (name: string) => String(data.get(name) ?? '');
    const input = {
      key: field?.key ?? text('key'),
      label: text('label'),
      field_type: field?.field_type ?? text('field_type'),
      options: type === 'choice' ? parseOptions(text('options')) : [],
      is_required: data.get('is_required') === 'on',
      visible_to_workers: data.get('visible_to_workers') === 'on',
      visible_to_customers: data.get('visible_to_customers') === 'on',
    };
    if (type === 'choice' && input.options.length === 0) {
      form.setErrors({ options: ['A list needs at least one option'] });
      return;
    }
    void form.submit(customFieldSchema, input, async (values) => {
      const options = values.field_type === 'choice' ? values.options : undefined;
      if (field) {
        await update.mutateAsync({
          id: field.id,
          label: values.label,
          options,
          is_required: values.is_required,
          visible_to_workers: values.visible_to_workers,
          visible_to_customers: values.visible_to_customers,
          is_archived: data.get('is_archived') === 'on',
        });
      } else {
        await create.mutateAsync({ entity, ...values, options });
      }
      toast(field ? 'Field saved' : 'Field created');
      onDone();
    });
  };

  return (
    <DialogForm form={form} onSubmit={save} onCancel={onDone} busy={create.isPending || update.isPending} submitLabel={field ? 'Save' : 'Create field'}>
      <TextField label="Label" name="label" defaultValue={field?.label ?? ''} errors={form.errors.label} required maxLength={100} />
      <TextField
        label="Key"
        name="key"
        defaultValue={field?.key ?? ''}
        errors={form.errors.key}
        required
        disabled={field !== null}
        maxLength={40}
        hint={field ? 'A key never changes.' : 'Lowercase letters, digits and _, e.g. po_number. It never changes.'}
      />
      <SelectField label="Type" name="field_type" value={type} onChange={(e) => setType(e.target.value)} disabled={field !== null} errors={form.errors.field_type}>
        {TYPES.map((t) => (
          <option key={t.value} value={t.value}>
            {t.label}
          </option>
        ))}
      </SelectField>
      {type === 'choice' ? (
        <TextArea label="Options" name="options" rows={4} defaultValue={field?.options.join('\n') ?? ''} errors={form.errors.options} hint="One per line." required />
      ) : null}
      <CheckboxField label="Required" name="is_required" defaultChecked={field?.is_required ?? false} hint="New records must have it; older ones are asked when their fields are next edited." />
      <CheckboxField label="Visible to workers" name="visible_to_workers" defaultChecked={field?.visible_to_workers ?? false} hint="The assigned worker sees it." />
      <CheckboxField label="Visible to customers" name="visible_to_customers" defaultChecked={field?.visible_to_customers ?? false} hint="The customer sees it in the portal and on shared links." />
      {field ? <CheckboxField label="Archived" name="is_archived" defaultChecked={field.is_archived} hint="Takes no new values; stored ones stay, for staff only." /> : null}
    </DialogForm>
  );
}
