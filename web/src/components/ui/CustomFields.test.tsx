import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '@/lib/api/customFields';
import { formValues } from '@/lib/forms';
import { editable, present, readValues } from '@/lib/customFields';
import { CustomFieldsEditor, CustomFieldsList, customFieldItems } from './CustomFields';

function def(over: Partial<CustomFieldDefinition> & Pick<CustomFieldDefinition, 'key' | 'label' | 'field_type'>): CustomFieldDefinition {
  return {
    id: over.key,
    entity: 'job',
    options: [],
    is_required: false,
    visible_to_workers: false,
    visible_to_customers: false,
    position: 0,
    is_archived: false,
    version: 1,
    ...over,
  };
}

const definitions = [
  def({ key: 'po', label: 'PO number', field_type: 'text', is_required: true, position: 0 }),
  def({ key: 'crew', label: 'Crew size', field_type: 'number', position: 1 }),
  def({ key: 'zone', label: 'Zone', field_type: 'choice', options: ['north', 'south'], position: 2 }),
  def({ key: 'gated', label: 'Gated', field_type: 'boolean', position: 3 }),
  def({ key: 'due', label: 'Due', field_type: 'date', position: 4 }),
  def({ key: 'old', label: 'Old field', field_type: 'text', is_archived: true, position: 5 }),
];

function renderForm(values?: Record<string, string | number | boolean>, errors = {}) {
  render(
    <form data-testid="form">
      <CustomFieldsEditor definitions={definitions} values={values} errors={errors} />
    </form>,
  );
  return () => formValues(screen.getByTestId('form') as HTMLFormElement);
}

describe('CustomFieldsEditor', () => {
  it('renders one labelled input per unarchived field, of its type, with stored values', () => {
    renderForm({ po: 'PO-1', crew: 3, zone: 'south', gated: true, old: 'kept' });
    expect(screen.getByRole('textbox', { name: /PO number/ })).toHaveValue('PO-1');
    expect(screen.getByRole('textbox', { name: /PO number/ })).toBeRequired();
    expect(screen.getByRole('spinbutton', { name: 'Crew size' })).toHaveValue(3);
    expect(screen.getByRole('combobox', { name: 'Zone' })).toHaveValue('south');
    expect(screen.getByRole('combobox', { name: 'Gated' })).toHaveValue('true');
    expect(screen.getByLabelText('Due')).toHaveAttribute('type', 'date');
    expect(screen.queryByLabelText('Old field')).not.toBeInTheDocument();
  });

  it("shows the server's errors beside their fields", () => {
    renderForm({}, { 'custom_fields.zone': ['must be one of the field’s options'] });
    expect(screen.getByRole('combobox', { name: 'Zone' })).toHaveAccessibleDescription('must be one of the field’s options');
  });

  it('reads typed values back, and refuses a missing required field', () => {
    const read = renderForm();
    const empty = readValues(editable(definitions), read());
    expect(empty.errors).toEqual({ 'custom_fields.po': ['PO number is required'] });

    fireEvent.change(screen.getByRole('textbox', { name: /PO number/ }), { target: { value: ' PO-7 ' } });
    fireEvent.change(screen.getByRole('spinbutton', { name: 'Crew size' }), { target: { value: '2.5' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Gated' }), { target: { value: 'false' } });
    const filled = readValues(editable(definitions), read());
    expect(filled.errors).toEqual({});
    expect(filled.values).toEqual({ po: 'PO-7', crew: 2.5, zone: null, gated: false, due: null });
    expect(present(filled.values)).toEqual({ po: 'PO-7', crew: 2.5, gated: false });
  });

  it('renders nothing without fields', () => {
    const { container } = render(<CustomFieldsEditor definitions={[]} errors={{}} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('CustomFieldsList', () => {
  it('labels the values the caller may see, in order, and skips the rest', () => {
    render(<CustomFieldsList items={customFieldItems(definitions, { gated: false, po: 'PO-9' })} />);
    const terms = screen.getAllByRole('term').map((t) => t.textContent);
    expect(terms).toEqual(['PO number', 'Gated']);
    expect(screen.getByText('PO-9')).toBeInTheDocument();
    expect(screen.getByText('No')).toBeInTheDocument();
  });
});
