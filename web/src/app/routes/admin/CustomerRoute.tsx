import { useParams } from 'react-router';
import { CustomerPage } from '@/features/customers/components/CustomerPage';
import { useJobs } from '@/features/jobs/api/jobs';
import { paths } from '@/lib/paths';

/** One customer: the page from customers, its jobs (for the list and the timeline) from jobs. */
export default function CustomerRoute() {
  const { customerId = '' } = useParams();
  const jobs = useJobs({ customer_id: customerId, limit: 100 });
  const customerJobs = jobs.data?.items.map((j) => ({ id: j.id, title: j.title, status: j.status.name, created_at: j.created_at }));
  return <CustomerPage customerId={customerId} jobs={customerJobs} newJobHref={`${paths.admin.newJob}?customer_id=${customerId}`} />;
}
