import { ForgotPasswordPage } from '@/features/auth/components/ForgotPasswordPage';

export default ForgotPasswordPage;
