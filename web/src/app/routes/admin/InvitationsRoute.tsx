import { InvitationsPage } from '@/features/invitations/components/InvitationsPage';

export default InvitationsPage;
