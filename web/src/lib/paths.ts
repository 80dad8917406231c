// Every URL of the app, typed. Routes (app/router.tsx) and links use these, so a
// renamed route cannot leave a dangling link behind.
export const paths = {
  home: '/',
  login: '/login',
  forgotPassword: '/forgot-password',
  resetPassword: '/reset-password',
  share: (token: string) => `/t/${encodeURIComponent(token)}`,
  admin: {
    jobs: '/admin/jobs',
    newJob: '/admin/jobs/new',
    job: (id: string) => `/admin/jobs/${id}`,
    editJob: (id: string) => `/admin/jobs/${id}/edit`,
    customers: '/admin/customers',
    customer: (id: string) => `/admin/customers/${id}`,
    statuses: '/admin/statuses',
    customFields: '/admin/custom-fields',
    users: '/admin/users',
  },
  worker: {
    jobs: '/worker',
    job: (id: string) => `/worker/jobs/${id}`,
  },
  portal: {
    jobs: '/portal',
    job: (id: string) => `/portal/jobs/${id}`,
  },
} as const;

/** Route patterns for the router, mirroring `paths`. */
export const patterns = {
  home: '/',
  login: '/login',
  forgotPassword: '/forgot-password',
  resetPassword: '/reset-password',
  share: '/t/:token',
  adminJobs: '/admin/jobs',
  adminNewJob: '/admin/jobs/new',
  adminJob: '/admin/jobs/:jobId',
  adminEditJob: '/admin/jobs/:jobId/edit',
  adminCustomers: '/admin/customers',
  adminCustomer: '/admin/customers/:customerId',
  adminStatuses: '/admin/statuses',
  adminCustomFields: '/admin/custom-fields',
  adminUsers: '/admin/users',
  workerJobs: '/worker',
  workerJob: '/worker/jobs/:jobId',
  portalJobs: '/portal',
  portalJob: '/portal/jobs/:jobId',
} as const;
