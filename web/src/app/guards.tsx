import { Link, Navigate, Outlet, isRouteErrorResponse, useLocation, useRouteError } from 'react-router';
import { Loading } from '@/components/ui/States';
import type { Role } from '@/lib/api/types';
import { useCan, type PermissionName } from '@/lib/auth/permissions';
import { homeFor } from '@/lib/auth/session';
import { useSession } from '@/lib/auth/useSession';
import { paths } from '@/lib/paths';

/** Lets only `role` through; others go to their own surface, strangers to login. */
export function RequireRole({ role }: { role: Role }) {
  const state = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <Splash />;
  if (state.status === 'anonymous') {
    const next = location.pathname + location.search;
    const search = new URLSearchParams({ next });
    if (state.reason === 'expired') search.set('expired', '1');
    return <Navigate to={`${paths.login}?${search.toString()}`} replace />;
  }
  if (state.role !== role) return <Navigate to={homeFor(state.role)} replace />;
  return <Outlet />;
}

/**
 * Inside a surface: lets through a member whose role holds `permission`; to
 * anyone else (a bookmark, a typed URL) it says why the page is not theirs.
 */
export function RequirePermission({ permission }: { permission: PermissionName }) {
  if (!useCan(permission)) return <NotAllowed permission={permission} />;
  return <Outlet />;
}

export function NotAllowed({ permission }: { permission: PermissionName }) {
  const state = useSession();
  const home = state.status === 'authenticated' ? homeFor(state.role) : paths.home;
  const roleName = state.status === 'authenticated' ? state.user.role_name : '';
  return (
    <div className="page">
      <div className="state" role="alert">
        <h1 className="state-title">Your role does not allow this</h1>
        <p className="state-text">
          This page needs the permission <code>{permission}</code>, which your role{roleName ? ` (${roleName})` : ''} does not hold. Ask an
          admin who manages roles if you need it.
        </p>
        <Link className="btn btn-primary btn-md" to={home}>
          Go to your start page
        </Link>
      </div>
    </div>
  );
}

export function HomeRedirect() {
  const state = useSession();
  if (state.status === 'loading') return <Splash />;
  if (state.status === 'anonymous') return <Navigate to={paths.login} replace />;
  return <Navigate to={homeFor(state.role)} replace />;
}

export function Splash() {
  return (
    <main className="splash">
      <Loading label="Loading FieldOps…" />
    </main>
  );
}

/** A route that failed to load (e.g. a chunk missing after a deploy) or threw. */
export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : 'The page failed to load.';
  return (
    <main className="splash">
      <div className="state state-error" role="alert">
        <h1 className="state-title">Something went wrong</h1>
        <p className="state-text">{message}</p>
        <button type="button" className="btn btn-primary btn-md" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    </main>
  );
}
