import { EmailConfirmPage } from '@/features/portalSignup/components/EmailConfirmPage';

export default EmailConfirmPage;
