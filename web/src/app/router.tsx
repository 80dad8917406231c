// The typed route table. Every page is lazy-loaded (a worker's phone downloads
// only the worker surface), and each role surface sits behind its own guard:
// the role in the access token decides where a person may go and lands.
import type { ComponentType } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import type { Role } from '@/lib/api/types';
import { patterns } from '@/lib/paths';
import type { PermissionName } from '@/lib/auth/permissions';
import { HomeRedirect, RequirePermission, RequireRole, RouteError } from './guards';
import { NotFoundPage } from './NotFoundPage';

type Page = () => Promise<{ default: ComponentType }>;
type PatternName = keyof typeof patterns;

interface PageRoute {
  pattern: PatternName;
  page: Page;
  /** The role's permission the page needs; without it the page says so. */
  permission?: PermissionName;
}

interface Surface {
  role: Role;
  layout: Page;
  pages: PageRoute[];
}

const surfaces: Surface[] = [
  {
    role: 'ADMIN',
    layout: () => import('./layouts/AdminLayout'),
    pages: [
      { pattern: 'adminJobs', page: () => import('./routes/admin/JobsRoute') },
      { pattern: 'adminNewJob', page: () => import('./routes/admin/JobFormRoute') },
      { pattern: 'adminEditJob', page: () => import('./routes/admin/JobFormRoute') },
      { pattern: 'adminJob', page: () => import('./routes/admin/JobRoute') },
      { pattern: 'adminCustomers', page: () => import('./routes/admin/CustomersRoute') },
      { pattern: 'adminCustomer', page: () => import('./routes/admin/CustomerRoute') },
      { pattern: 'adminStatuses', page: () => import('./routes/admin/StatusesRoute'), permission: 'statuses.manage' },
      { pattern: 'adminBranches', page: () => import('./routes/admin/BranchesRoute'), permission: 'branches.manage' },
      { pattern: 'adminCustomFields', page: () => import('./routes/admin/CustomFieldsRoute'), permission: 'custom_fields.manage' },
      { pattern: 'adminImports', page: () => import('./routes/admin/ImportsRoute'), permission: 'imports.run' },
      { pattern: 'adminUsers', page: () => import('./routes/admin/UsersRoute'), permission: 'users.manage' },
      { pattern: 'adminInvitations', page: () => import('./routes/admin/InvitationsRoute'), permission: 'users.manage' },
      { pattern: 'adminRequests', page: () => import('./routes/admin/RequestsRoute') },
      { pattern: 'adminRequest', page: () => import('./routes/admin/RequestRoute') },
      { pattern: 'adminRoles', page: () => import('./routes/admin/RolesRoute'), permission: 'roles.manage' },
      { pattern: 'adminPortal', page: () => import('./routes/admin/PortalRoute'), permission: 'portal.manage' },
    ],
  },
  {
    role: 'WORKER',
    layout: () => import('./layouts/WorkerLayout'),
    pages: [
      { pattern: 'workerJobs', page: () => import('./routes/worker/MyJobsRoute') },
      { pattern: 'workerJob', page: () => import('./routes/worker/JobRoute') },
    ],
  },
  {
    role: 'CUSTOMER',
    layout: () => import('./layouts/PortalLayout'),
    pages: [
      { pattern: 'portalJobs', page: () => import('./routes/portal/MyJobsRoute') },
      { pattern: 'portalJob', page: () => import('./routes/portal/JobRoute') },
      { pattern: 'portalRequests', page: () => import('./routes/portal/RequestsRoute') },
      { pattern: 'portalNewRequest', page: () => import('./routes/portal/RequestFormRoute') },
      { pattern: 'portalRequest', page: () => import('./routes/portal/RequestRoute') },
      { pattern: 'portalProfile', page: () => import('./routes/portal/ProfileRoute') },
    ],
  },
];

const publicPages: PageRoute[] = [
  { pattern: 'login', page: () => import('./routes/LoginRoute') },
  { pattern: 'forgotPassword', page: () => import('./routes/ForgotPasswordRoute') },
  { pattern: 'resetPassword', page: () => import('./routes/ResetPasswordRoute') },
  { pattern: 'signup', page: () => import('./routes/SignupRoute') },
  { pattern: 'signupConfirm', page: () => import('./routes/SignupConfirmRoute') },
  { pattern: 'share', page: () => import('./routes/ShareRoute') },
  { pattern: 'portalRegister', page: () => import('./routes/PortalRegisterRoute') },
  { pattern: 'portalInvited', page: () => import('./routes/PortalRegisterRoute') },
  { pattern: 'portalVerify', page: () => import('./routes/PortalVerifyRoute') },
  { pattern: 'acceptInvitation', page: () => import('./routes/AcceptInvitationRoute') },
  { pattern: 'portalUnsubscribe', page: () => import('./routes/PortalUnsubscribeRoute') },
  { pattern: 'portalEmail', page: () => import('./routes/PortalEmailRoute') },
];

function lazyPage(page: Page): RouteObject['lazy'] {
  return async () => ({ Component: (await page()).default });
}

function pageRoute(p: PageRoute): RouteObject {
  const path = patterns[p.pattern];
  if (!p.permission) return { path, lazy: lazyPage(p.page) };
  // The guard first, so a member without the permission loads none of the page.
  return { path, element: <RequirePermission permission={p.permission} />, children: [{ index: true, lazy: lazyPage(p.page) }] };
}

export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    children: [
      { path: patterns.home, element: <HomeRedirect /> },
      ...publicPages.map((p) => ({ path: patterns[p.pattern], lazy: lazyPage(p.page) })),
      ...surfaces.map<RouteObject>((surface) => ({
        element: <RequireRole role={surface.role} />,
        children: [
          {
            lazy: lazyPage(surface.layout),
            children: surface.pages.map((p) => pageRoute(p)),
          },
        ],
      })),
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
