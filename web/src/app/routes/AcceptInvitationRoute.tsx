import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { login } from '@/features/auth/api/auth';
import { switchCompany } from '@/features/auth/api/memberships';
import { AcceptInvitationPage, type OnAccepted } from '@/features/invitations/components/AcceptInvitationPage';
import { homeFor } from '@/lib/auth/session';

// Accepting signs the person into the company that invited them: with the
// password just given, or, signed in already, by a switch.
export default function AcceptInvitationRoute() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const onAccepted: OnAccepted = async (accepted, credentials) => {
    const user = credentials
      ? await login({ company: accepted.company_slug, ...credentials })
      : await switchCompany(accepted.company_slug);
    queryClient.clear();
    navigate(homeFor(user.role), { replace: true });
  };
  return <AcceptInvitationPage onAccepted={onAccepted} />;
}
