import { Fragment, useEffect, useRef, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useLogout } from '@/features/auth/api/auth';
import { CompanySwitcher } from '@/features/auth/components/CompanySwitcher';
import { Button } from '@/components/ui/Button';
import { readableOn } from '@/lib/format';
import type { PermissionName } from '@/lib/auth/permissions';
import { useAuthed } from '@/lib/auth/useSession';
import { useSessionBranch } from '@/lib/api/branches';
import { paths } from '@/lib/paths';

export interface NavItem {
  to: string;
  label: string;
  end?: boolean;
  /** Beside the label, e.g. an unread count. */
  badge?: ReactNode;
  /** Shown only to a member whose role holds it (the page says no to others). */
  permission?: PermissionName;
}


/**
 * The frame of every signed-in surface. The header carries the company's name
 * and the person's role there on its brand color (and the color is the
 * page's accent), so nobody mistakes which company they are working in; a
 * person of several companies switches here.
 */
export function Shell({ nav, surface, children }: { nav?: NavItem[]; surface: 'admin' | 'worker' | 'portal'; children?: ReactNode }) {
  const { user } = useAuthed();
  const logout = useLogout();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(pathname);
  // After client-side navigation, move focus to the new page (as a full page
  // load would), so keyboard and screen-reader users start at its top.
  useEffect(() => {
    if (pathname !== firstPath.current) mainRef.current?.focus({ preventScroll: false });
    firstPath.current = '';
  }, [pathname]);
  // A branch-scoped member's branch, beside the company.
  const branch = useSessionBranch(user.role !== 'CUSTOMER');
  const color = user.company.color;
  const items = nav?.filter((item) => item.permission === undefined || user.permissions.includes(item.permission));
  const ink = readableOn(color);

  async function signOut() {
    try {
      await logout.mutateAsync();
    } finally {
      navigate(paths.login, { replace: true });
    }
  }

  return (
    <div className={`shell shell-${surface}`} style={{ '--company-color': color } as React.CSSProperties}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar" style={{ backgroundColor: color, color: ink }} data-company={user.company.slug}>
        <div className="topbar-inner">
          <div className="topbar-company">
            <span className="company-mark" style={{ borderColor: ink }} aria-hidden="true">
              {user.company.name.slice(0, 1).toUpperCase()}
            </span>
            <span className="company-name" data-testid="company-name">
              {user.company.name}
            </span>
            <span className="company-role" data-testid="company-role">
              — {user.role_name}
            </span>
            {branch.data ? (
              <span className="company-branch" data-testid="company-branch">
                · {branch.data.name}
              </span>
            ) : null}
            <CompanySwitcher current={user.company.slug} ink={ink} />
          </div>
          <div className="topbar-user">
            <span className="user-name">
              <span className="user-name-text">{user.name}</span>
              <span className="user-role">{user.role_name}</span>
            </span>
            <Button size="sm" className="btn-on-brand" onClick={signOut} busy={logout.isPending} style={{ color: ink, borderColor: ink }}>
              Sign out
            </Button>
          </div>
        </div>
        {items ? (
          <nav className="topnav" aria-label="Main" key={user.company.id}>
            <div className="topnav-inner">
              {items.map((item) => (
                <NavLink key={item.to} to={item.to} end={item.end} className="topnav-link" style={{ color: ink }}>
                  {item.label}
                  {item.badge}
                </NavLink>
              ))}
            </div>
          </nav>
        ) : null}
      </header>
      <main id="main" ref={mainRef} className="content" tabIndex={-1}>
        {/* A new page per company: after a switch no component keeps the
            company left behind on screen (docs/organizations.md). */}
        <Fragment key={user.company.id}>{children ?? <Outlet />}</Fragment>
      </main>
    </div>
  );
}
