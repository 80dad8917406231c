import { paths } from '@/lib/paths';
import { Shell, type NavItem } from './Shell';

const nav: NavItem[] = [
  { to: paths.portal.jobs, label: 'My jobs', end: true },
  { to: paths.portal.requests, label: 'My requests' },
];

export default function PortalLayout() {
  return <Shell surface="portal" nav={nav} />;
}
