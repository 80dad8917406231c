import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, ResponseOf, Schemas } from '@/lib/api/types';

export type PortalSettings = ResponseOf<'/api/v1/portal-settings', 'get'>;
export type SettingsInput = BodyOf<'/api/v1/portal-settings', 'put'>;
export type PortalAccount = ResponseOf<'/api/v1/portal-accounts', 'get'>['items'][number];
export type RegistrationMode = Schemas['RegistrationMode'];
export type RequestField = Schemas['RequestField'];

export const portalKeys = {
  settings: ['portal', 'settings'] as const,
  accounts: (state: string) => ['portal', 'accounts', state] as const,
  allAccounts: ['portal', 'accounts'] as const,
};

// GET /portal-settings
export const settingsQuery = () =>
  queryOptions({
    queryKey: portalKeys.settings,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/portal-settings', { signal })),
  });
export const useSettings = () => useQuery(settingsQuery());

// PUT /portal-settings, as of the version read (If-Match; 412 when someone saved since).
export function useSaveSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ version, ...body }: SettingsInput & { version: number }) =>
      unwrap(api.PUT('/api/v1/portal-settings', { body, headers: { 'If-Match': `"${version}"` } })),
    onSuccess: (saved) => client.setQueryData(portalKeys.settings, saved),
  });
}

// GET /portal-accounts?state=
export const accountsQuery = (state: string) =>
  queryOptions({
    queryKey: portalKeys.accounts(state),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/portal-accounts', { params: { query: { state, limit: 100 } }, signal })),
  });
export const useAccounts = (state: string) => useQuery(accountsQuery(state));

// POST /portal-accounts/{id}/approve {customer_id?} (into that customer, else a new one
// from the registration) or /reject {reason}
export type Decision = { id: string; approve: { customer_id?: string } } | { id: string; reason: string };
export function useDecideAccount() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (decision: Decision) =>
      'approve' in decision
        ? unwrap(api.POST('/api/v1/portal-accounts/{id}/approve', { params: { path: { id: decision.id } }, body: decision.approve }))
        : unwrap(api.POST('/api/v1/portal-accounts/{id}/reject', { params: { path: { id: decision.id } }, body: { reason: decision.reason } })),
    onSuccess: () => client.invalidateQueries({ queryKey: portalKeys.allAccounts }),
  });
}

export type WeekCount = ResponseOf<'/api/v1/portal-report', 'get'>[number];

// GET /portal-report?weeks=: requests per week and state.
export const reportQuery = (weeks: number) =>
  queryOptions({
    queryKey: ['portal', 'report', weeks] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/portal-report', { params: { query: { weeks } }, signal })),
  });
export const useReport = (weeks: number) => useQuery(reportQuery(weeks));

export type DigestSettings = ResponseOf<'/api/v1/portal-digest', 'get'>;
export type DigestInput = BodyOf<'/api/v1/portal-digest', 'put'>;
export type Invitation = ResponseOf<'/api/v1/portal-invitations', 'get'>['items'][number];
export type PortalOverview = ResponseOf<'/api/v1/portal-report/weekly', 'get'>;
export type PortalWeek = PortalOverview['weeks'][number];

// GET /portal-digest
export const digestQuery = () =>
  queryOptions({
    queryKey: ['portal', 'digest'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/portal-digest', { signal })),
  });
export const useDigest = () => useQuery(digestQuery());

// PUT /portal-digest {hour, recipient_ids}
export function useSaveDigest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: DigestInput) => unwrap(api.PUT('/api/v1/portal-digest', { body })),
    onSuccess: (saved) => {
      client.setQueryData(['portal', 'digest'], saved);
      // The hour is saved with the portal settings, whose version moved.
      void client.invalidateQueries({ queryKey: portalKeys.settings });
    },
  });
}

// GET /users?role=ADMIN: who may receive the digest.
export const adminsQuery = () =>
  queryOptions({
    queryKey: ['portal', 'admins'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/users', { params: { query: { role: 'ADMIN' } }, signal })),
  });
export const useAdmins = () => useQuery(adminsQuery());

// GET /portal-invitations (those still waiting to be used)
export const invitationsQuery = () =>
  queryOptions({
    queryKey: ['portal', 'invitations'] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/portal-invitations', { params: { query: { state: 'pending', limit: 100 } }, signal })),
  });
export const useInvitations = () => useQuery(invitationsQuery());

// DELETE /portal-invitations/{id}
export function useRevokeInvitation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/portal-invitations/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['portal', 'invitations'] }),
  });
}

// GET /portal-report/weekly?weeks=: registrations, submissions, decisions, approval time, reasons.
export const overviewQuery = (weeks: number) =>
  queryOptions({
    queryKey: ['portal', 'overview', weeks] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/portal-report/weekly', { params: { query: { weeks } }, signal })),
  });
export const useOverview = (weeks: number) => useQuery(overviewQuery(weeks));

// POST /customers/{id}/portal-invitations {email}: the link is mailed; the open list refreshes.
export function useInviteCustomer(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (email: string) =>
      unwrap(api.POST('/api/v1/customers/{id}/portal-invitations', { params: { path: { id: customerId } }, body: { email } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['portal', 'invitations'] }),
  });
}
