import { Link } from 'react-router';
import { paths } from '@/lib/paths';
import { useSignupOpen } from '../api/signup';

/** The login page's way in for a new company, where the server takes sign-ups. */
export function CreateCompanyLink() {
  const open = useSignupOpen();
  if (!open.data?.enabled) return null;
  return (
    <p>
      New to FieldOps? <Link to={paths.signup}>Create a company</Link>
    </p>
  );
}
