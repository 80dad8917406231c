import { SignupPage } from '@/features/companySignup/components/SignupPage';

export default SignupPage;
