import { Shell } from './Shell';

export default function PortalLayout() {
  return <Shell surface="portal" />;
}
