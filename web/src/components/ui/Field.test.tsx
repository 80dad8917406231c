import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SelectField, TextField } from './Field';

describe('fields', () => {
  it('associate label, hint and errors with the control', () => {
    render(<TextField label="Email" name="email" hint="Work address" errors={['is taken']} required />);
    const input = screen.getByRole('textbox', { name: 'Email' });
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toBeRequired();
    expect(input).toHaveAccessibleDescription('Work address is taken');
  });

  it('select fields are labelled too', () => {
    render(
      <SelectField label="Role" name="role" defaultValue="WORKER">
        <option value="WORKER">Field worker</option>
      </SelectField>,
    );
    expect(screen.getByRole('combobox', { name: 'Role' })).toHaveValue('WORKER');
  });
});
