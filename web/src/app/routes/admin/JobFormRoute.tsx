import { useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { ErrorState, Loading } from '@/components/ui';
import { useCustomer, useCustomers } from '@/features/customers/api/customers';
import { useContacts, useCustomerSearch, useLocations } from '@/features/customers/api/records';
import { addressLine } from '@/features/customers/components/CustomerPage';
import { useJob } from '@/features/jobs/api/jobs';
import { JobForm } from '@/features/jobs/components/admin/JobForm';
import { useWorkers } from '@/features/users/api/users';
import { useBranches } from '@/lib/api/branches';
import { useDebounced } from '@/lib/useDebounced';

/**
 * New and edit job: the form from jobs; from customers, the customer
 * type-ahead (the indexed search: name, account number, contact, phone,
 * email, address) and the chosen customer's locations and contacts.
 */
export default function JobFormRoute() {
  const { jobId } = useParams();
  const [searchParams] = useSearchParams();
  const preselected = jobId ? '' : (searchParams.get('customer_id') ?? '');
  const [customerQuery, setCustomerQuery] = useState('');
  const q = useDebounced(customerQuery.trim());
  // Before anything is typed, the first customers by name; then the search.
  const firstCustomers = useCustomers({ limit: 100 });
  const search = useCustomerSearch(q, 20);
  const workers = useWorkers();
  const branches = useBranches();
  const job = useJob(jobId ?? '');
  const initial = useCustomer(preselected);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const customerId = chosenId ?? (job.data?.customer.id || preselected);
  const locations = useLocations(customerId);
  const contacts = useContacts(customerId);

  const customers = q
    ? search.data?.items.map((m) => ({ id: m.customer.id, name: m.customer.name }))
    : firstCustomers.data?.items.map((c) => ({ id: c.id, name: c.name }));
  const pickers = {
    customers,
    customersLoading: q ? search.isFetching : firstCustomers.isFetching,
    customerQuery,
    onCustomerQuery: setCustomerQuery,
    workers: workers.data,
    branches: branches.data,
    locations: customerId ? locations.data?.items.map((l) => ({ id: l.id, name: addressLine(l) ? `${l.name}: ${addressLine(l)}` : l.name })) : undefined,
    contacts: customerId ? contacts.data?.items.map((k) => ({ id: k.id, name: k.title ? `${k.name}, ${k.title}` : k.name })) : undefined,
    onCustomerChange: (id: string) => setChosenId(id),
  };
  if (!jobId) {
    if (preselected && initial.isPending) return <Loading label="Loading customer…" />;
    const initialCustomer = initial.data ? { id: initial.data.id, name: initial.data.name } : null;
    return <JobForm {...pickers} initialCustomer={initialCustomer} />;
  }
  if (job.isPending) return <Loading label="Loading job…" />;
  if (job.isError) return <ErrorState error={job.error} onRetry={() => void job.refetch()} />;
  return <JobForm key={job.data.id} job={job.data} {...pickers} />;
}
