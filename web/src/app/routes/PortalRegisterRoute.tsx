import { RegisterPage } from '@/features/portalSignup/components/RegisterPage';

export default RegisterPage;
