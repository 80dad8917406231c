import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { CheckboxField, SelectField, TextField } from './Field';

describe('fields', () => {
  it('associate label, hint and errors with the control', () => {
    render(<TextField label="Email" name="email" hint="Work address" errors={['is taken']} required />);
    const input = screen.getByRole('textbox', { name: 'Email' });
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toBeRequired();
    expect(input).toHaveAccessibleDescription('Work address is taken');
  });

  it('a checkbox shows its errors beside it, for screen readers too', () => {
    render(<CheckboxField label="I accept the terms" name="accept_terms" errors={['Accept the terms']} />);
    const box = screen.getByRole('checkbox', { name: 'I accept the terms' });
    expect(box).toHaveAttribute('aria-invalid', 'true');
    expect(box).toHaveAccessibleDescription('Accept the terms');
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
