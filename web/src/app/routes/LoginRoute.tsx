import { LoginPage } from '@/features/auth/components/LoginPage';
import { CreateCompanyLink } from '@/features/companySignup/components/CreateCompanyLink';

export default function LoginRoute() {
  return <LoginPage signUp={<CreateCompanyLink />} />;
}
