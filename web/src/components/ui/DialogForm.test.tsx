import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '@/lib/api/errors';
import { formValues, useFormState } from '@/lib/forms';
import { requiredText, z } from '@/lib/validation';
import { DialogForm } from './DialogForm';
import { TextField } from './Field';

const schema = z.object({ name: requiredText('Name', 20) });

function Host({ save, onCancel = () => {} }: { save: (values: { name: string }) => Promise<void>; onCancel?: () => void }) {
  const form = useFormState();
  return (
    <DialogForm form={form} onSubmit={(element) => void form.submit(schema, formValues(element), save)} onCancel={onCancel} busy={false} submitLabel="Create">
      <TextField label="Name" name="name" errors={form.errors.name} />
    </DialogForm>
  );
}

describe('DialogForm with form.submit', () => {
  it('validates before saving, then saves the parsed values', async () => {
    const save = vi.fn(async () => {});
    render(<Host save={save} />);
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByText('Name is required')).toBeInTheDocument();
    expect(save).not.toHaveBeenCalled();
    await userEvent.type(screen.getByLabelText('Name'), '  Pat ');
    expect(screen.queryByText('Name is required')).toBeNull(); // editing clears the field's error
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(save).toHaveBeenCalledWith({ name: 'Pat' });
  });

  it("shows the server's field errors beside the fields", async () => {
    const save = vi.fn(async () => {
      throw new ApiError(422, 'Invalid input', 'invalid', { name: ['is taken'] });
    });
    render(<Host save={save} />);
    await userEvent.type(screen.getByLabelText('Name'), 'Pat');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByText('Please correct the highlighted fields.')).toBeInTheDocument();
    expect(screen.getByLabelText('Name')).toHaveAccessibleDescription('is taken');
  });

  it('Cancel does not submit', async () => {
    const save = vi.fn(async () => {});
    const onCancel = vi.fn();
    render(<Host save={save} onCancel={onCancel} />);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalled();
    expect(save).not.toHaveBeenCalled();
  });
});
