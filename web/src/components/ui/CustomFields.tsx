import type { FieldErrors } from '@/lib/api/errors';
import type { CustomFieldDefinition, CustomFieldValues } from '@/lib/api/customFields';
import { editable, errorKey, formatValue, inputName } from '@/lib/customFields';
import { SelectField, TextArea, TextField } from './Field';

interface EditorProps {
  /** The entity's definitions, as GET /custom-fields answers them. */
  definitions: CustomFieldDefinition[] | undefined;
  /** The row's stored values (editing) or nothing (new). */
  values?: CustomFieldValues | undefined;
  errors: FieldErrors;
}

/**
 * A row's custom fields as form inputs named `cf.<key>` (read them with
 * `readValues` from lib/customFields). One input per unarchived field, of its
 * type; the server's 422s on `custom_fields.<key>` show beside them.
 */
export function CustomFieldsEditor({ definitions, values, errors }: EditorProps) {
  const fields = editable(definitions);
  if (fields.length === 0) return null;
  return (
    <fieldset className="stack" data-testid="custom-fields-editor">
      <legend className="field-label">Custom fields</legend>
      {fields.map((d) => {
        const common = {
          label: d.label,
          name: inputName(d.key),
          errors: errors[errorKey(d.key)],
          required: d.is_required,
        };
        const stored = values?.[d.key];
        const text = stored === undefined ? '' : String(stored);
        switch (d.field_type) {
          case 'number':
            return <TextField key={d.key} {...common} type="number" step="any" inputMode="decimal" defaultValue={text} className="field-md" />;
          case 'date':
            return <TextField key={d.key} {...common} type="date" defaultValue={text} className="field-md" />;
          case 'boolean':
            return (
              <SelectField key={d.key} {...common} defaultValue={text} className="field-md">
                <option value="">—</option>
                <option value="true">Yes</option>
                <option value="false">No</option>
              </SelectField>
            );
          case 'choice':
            return (
              <SelectField key={d.key} {...common} defaultValue={text} className="field-md">
                <option value="">—</option>
                {d.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </SelectField>
            );
          default:
            return text.length > 80 ? (
              <TextArea key={d.key} {...common} rows={3} defaultValue={text} maxLength={2000} />
            ) : (
              <TextField key={d.key} {...common} defaultValue={text} maxLength={2000} />
            );
        }
      })}
    </fieldset>
  );
}

export interface CustomFieldItem {
  key: string;
  label: string;
  field_type: string;
  value: unknown;
}

/** The items to show of a row: its values with their definitions' labels, in order. */
export function customFieldItems(definitions: CustomFieldDefinition[] | undefined, values: Record<string, unknown> | undefined): CustomFieldItem[] {
  if (!definitions || !values) return [];
  return [...definitions]
    .sort((a, b) => a.position - b.position || a.key.localeCompare(b.key))
    .filter((d) => values[d.key] !== undefined && values[d.key] !== null)
    .map((d) => ({ key: d.key, label: d.label, field_type: d.field_type, value: values[d.key] }));
}

/** Custom fields, read-only: whatever the API let the caller see. Nothing when empty. */
export function CustomFieldsList({ items }: { items: CustomFieldItem[] }) {
  if (items.length === 0) return null;
  return (
    <dl className="facts" data-testid="custom-fields">
      {items.map((item) => (
        <div key={item.key}>
          <dt>{item.label}</dt>
          <dd>{formatValue(item.field_type, item.value)}</dd>
        </div>
      ))}
    </dl>
  );
}
