import { UnreadBadge } from '@/features/messages/components/Conversation';
import { paths } from '@/lib/paths';
import { Shell, type NavItem } from './Shell';

const nav: NavItem[] = [
  { to: paths.admin.jobs, label: 'Jobs' },
  // Unread messages of every conversation (requests' and jobs').
  { to: paths.admin.requests, label: 'Requests', badge: <UnreadBadge /> },
  { to: paths.admin.customers, label: 'Customers' },
  { to: paths.admin.statuses, label: 'Statuses', permission: 'statuses.manage' },
  { to: paths.admin.branches, label: 'Branches', permission: 'branches.manage' },
  { to: paths.admin.customFields, label: 'Custom fields', permission: 'custom_fields.manage' },
  { to: paths.admin.imports, label: 'Import', permission: 'imports.run' },
  { to: paths.admin.users, label: 'Users', permission: 'users.manage' },
  { to: paths.admin.roles, label: 'Roles', permission: 'roles.manage' },
  { to: paths.admin.portal, label: 'Portal', permission: 'portal.manage' },
  { to: paths.admin.invitations, label: 'Invitations', permission: 'users.manage' },
];

export default function AdminLayout() {
  return <Shell surface="admin" nav={nav} />;
}
