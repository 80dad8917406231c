import { UnreadBadge } from '@/features/messages/components/Conversation';
import { paths } from '@/lib/paths';
import { Shell, type NavItem } from './Shell';

const nav: NavItem[] = [
  { to: paths.portal.jobs, label: 'My jobs', end: true },
  // Unread messages of every conversation (requests' and jobs').
  { to: paths.portal.requests, label: 'My requests', badge: <UnreadBadge /> },
  { to: paths.portal.profile, label: 'Profile' },
];

export default function PortalLayout() {
  return <Shell surface="portal" nav={nav} />;
}
