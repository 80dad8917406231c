import { SignupConfirmPage } from '@/features/companySignup/components/SignupConfirmPage';

export default SignupConfirmPage;
