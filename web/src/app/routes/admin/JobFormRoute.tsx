import { useState } from 'react';
import { useParams } from 'react-router';
import { ErrorState, Loading } from '@/components/ui';
import { useCustomers } from '@/features/customers/api/customers';
import { useJob } from '@/features/jobs/api/jobs';
import { JobForm } from '@/features/jobs/components/admin/JobForm';
import { useWorkers } from '@/features/users/api/users';
import { useDebounced } from '@/lib/useDebounced';

/** New and edit job: the form from jobs, the pickers' data from customers and users. */
export default function JobFormRoute() {
  const { jobId } = useParams();
  const [customerQuery, setCustomerQuery] = useState('');
  const q = useDebounced(customerQuery.trim());
  const customers = useCustomers({ q: q || undefined, limit: 100 });
  const workers = useWorkers();
  const job = useJob(jobId ?? '');
  const pickers = {
    customers: customers.data?.items,
    customersLoading: customers.isFetching,
    customerQuery,
    onCustomerQuery: setCustomerQuery,
    workers: workers.data,
  };
  if (!jobId) return <JobForm {...pickers} />;
  if (job.isPending) return <Loading label="Loading job…" />;
  if (job.isError) return <ErrorState error={job.error} onRetry={() => void job.refetch()} />;
  return <JobForm key={job.data.id} job={job.data} {...pickers} />;
}
