import { PortalJobsPage } from '@/features/jobs/components/portal/PortalJobsPage';

export default PortalJobsPage;
