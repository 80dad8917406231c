import { PortalAdminPage } from '@/features/portalAdmin/components/PortalAdminPage';

export default PortalAdminPage;
