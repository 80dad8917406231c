import { useParams } from 'react-router';
import { Card } from '@/components/ui';
import { Attachments } from '@/features/attachments/components/Attachments';
import { CustomerPage } from '@/features/customers/components/CustomerPage';
import { InviteToPortal } from '@/features/portalAdmin/components/InviteToPortal';
import { useJobs } from '@/features/jobs/api/jobs';
import { paths } from '@/lib/paths';

/**
 * One customer: the page from customers, its jobs (for the list and the timeline) from jobs, its files from attachments,
 * inviting it to the portal from portalAdmin.
 */
export default function CustomerRoute() {
  const { customerId = '' } = useParams();
  const jobs = useJobs({ customer_id: customerId, limit: 100 });
  const customerJobs = jobs.data?.items.map((j) => ({ id: j.id, title: j.title, status: j.status.name, created_at: j.created_at }));
  const files = (
    <Card title="Files">
      <Attachments parent={{ kind: 'customer', id: customerId }} mode="admin" />
    </Card>
  );
  const portal = (customer: { id: string; name: string; email?: string | null }) => (
    <Card title="Customer portal">
      <InviteToPortal customerId={customer.id} customerName={customer.name} email={customer.email} />
    </Card>
  );
  return (
    <CustomerPage
      customerId={customerId}
      jobs={customerJobs}
      newJobHref={`${paths.admin.newJob}?customer_id=${customerId}`}
      files={files}
      portal={portal}
    />
  );
}
