import { VerifyPage } from '@/features/portalSignup/components/VerifyPage';

export default VerifyPage;
