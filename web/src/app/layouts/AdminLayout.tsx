import { paths } from '@/lib/paths';
import { Shell, type NavItem } from './Shell';

const nav: NavItem[] = [
  { to: paths.admin.jobs, label: 'Jobs' },
  { to: paths.admin.requests, label: 'Requests' },
  { to: paths.admin.customers, label: 'Customers' },
  { to: paths.admin.statuses, label: 'Statuses' },
  { to: paths.admin.customFields, label: 'Custom fields' },
  { to: paths.admin.users, label: 'Users' },
  { to: paths.admin.invitations, label: 'Invitations' },
];

export default function AdminLayout() {
  return <Shell surface="admin" nav={nav} />;
}
