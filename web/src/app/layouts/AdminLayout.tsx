import { UnreadBadge } from '@/features/messages/components/Conversation';
import { paths } from '@/lib/paths';
import { Shell, type NavItem } from './Shell';

const nav: NavItem[] = [
  { to: paths.admin.jobs, label: 'Jobs' },
  // Unread messages of every conversation (requests' and jobs').
  { to: paths.admin.requests, label: 'Requests', badge: <UnreadBadge /> },
  { to: paths.admin.customers, label: 'Customers' },
  { to: paths.admin.statuses, label: 'Statuses' },
  { to: paths.admin.branches, label: 'Branches' },
  { to: paths.admin.customFields, label: 'Custom fields' },
  { to: paths.admin.imports, label: 'Import' },
  { to: paths.admin.users, label: 'Users' },
  { to: paths.admin.portal, label: 'Portal' },
  { to: paths.admin.invitations, label: 'Invitations' },
];

export default function AdminLayout() {
  return <Shell surface="admin" nav={nav} />;
}
