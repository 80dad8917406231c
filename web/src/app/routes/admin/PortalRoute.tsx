import { CustomerPicker } from '@/features/customers/components/CustomerPicker';
import { PortalAdminPage } from '@/features/portalAdmin/components/PortalAdminPage';

/** The portal page from portalAdmin, approving into an existing customer with the customers feature's picker. */
export default function PortalRoute() {
  return <PortalAdminPage customerPicker={CustomerPicker} />;
}
