import { useId } from 'react';
import { useNavigate } from 'react-router';
import { homeFor } from '@/lib/auth/session';
import { useMemberships, useSwitchCompany } from '../api/memberships';
import { ROLE_LABEL } from './LoginPage';

/**
 * The company switcher of the header, for a person of several companies
 * (nothing at all for one company). A native <select>: keyboard and screen
 * readers work as everywhere. Choosing another company signs into it
 * (POST /auth/switch), clears every cached answer and opens its home page,
 * so nothing of the company left behind stays on screen.
 */
export function CompanySwitcher({ current, ink }: { current: string; ink: string }) {
  const id = useId();
  const navigate = useNavigate();
  const memberships = useMemberships();
  const switching = useSwitchCompany();
  const list = memberships.data?.memberships ?? [];
  if (list.length < 2) return null;

  async function onChange(event: React.ChangeEvent<HTMLSelectElement>) {
    const slug = event.currentTarget.value;
    if (slug === current) return;
    const user = await switching.mutateAsync(slug);
    navigate(homeFor(user.role), { replace: true });
  }

  return (
    <div className="company-switcher">
      <label htmlFor={id} className="visually-hidden">
        Switch company
      </label>
      <select
        id={id}
        value={current}
        onChange={onChange}
        disabled={switching.isPending}
        aria-busy={switching.isPending}
        style={{ color: ink, borderColor: ink }}
      >
        {list.map((m) => (
          <option key={m.company_id} value={m.slug}>
            {m.name} — {ROLE_LABEL[m.role]}
          </option>
        ))}
      </select>
      {switching.isError ? (
        <span role="alert" className="company-switcher-error">
          Could not switch: {switching.error.message}
        </span>
      ) : null}
    </div>
  );
}
