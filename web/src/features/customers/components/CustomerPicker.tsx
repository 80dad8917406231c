import { useState } from 'react';
import { Options, SelectField, TextField } from '@/components/ui';
import { useDebounced } from '@/lib/useDebounced';
import { useCustomers } from '../api/customers';
import { useCustomerSearch } from '../api/records';

export interface CustomerPickerProps {
  /** What the customer is picked for, e.g. "for Rita": labels "Find a customer for Rita" and "Customer for Rita". */
  purpose: string;
  value: string;
  onChange: (customerId: string) => void;
  errors?: string[] | undefined;
}

/**
 * The job form's customer type-ahead as one piece: a search box (the indexed
 * search: name, account number, contact, phone, email, address; before
 * anything is typed, the first customers by name) and the matches to choose from.
 */
export function CustomerPicker({ purpose, value, onChange, errors }: CustomerPickerProps) {
  const [query, setQuery] = useState('');
  const q = useDebounced(query.trim());
  const first = useCustomers({ limit: 100 });
  const search = useCustomerSearch(q, 20);
  const [chosen, setChosen] = useState<{ id: string; name: string } | null>(null);
  const found = q
    ? search.data?.items.map((m) => ({ id: m.customer.id, name: m.customer.name }))
    : first.data?.items.map((c) => ({ id: c.id, name: c.name }));
  // Keep the chosen customer selectable while the search shows others.
  const options = [...(found ?? [])];
  if (chosen && chosen.id === value && !options.some((c) => c.id === chosen.id)) options.unshift(chosen);
  const loading = q ? search.isFetching : first.isFetching;
  return (
    <div className="stack">
      <TextField
        label={`Find a customer ${purpose}`}
        type="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        placeholder="Type to search customers"
        hint={loading ? 'Searching…' : undefined}
      />
      <SelectField
        label={`Customer ${purpose}`}
        name="customer_id"
        value={value}
        errors={errors}
        required
        onChange={(e) => {
          onChange(e.target.value);
          setChosen(options.find((c) => c.id === e.target.value) ?? null);
        }}
      >
        <option value="">Choose a customer…</option>
        <Options items={options} />
      </SelectField>
    </div>
  );
}
