import { queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, ResponseOf } from '@/lib/api/types';

export type PortalPage = ResponseOf<'/api/v1/portal/{slug}', 'get'>;
export type RegistrationInput = BodyOf<'/api/v1/portal/{slug}/register', 'post'>;

// GET /portal/{slug}: public; the company's name, colour and registration mode.
export const portalPageQuery = (slug: string) =>
  queryOptions({
    queryKey: ['portal-page', slug] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/portal/{slug}', { params: { path: { slug } }, signal })),
    staleTime: 60_000,
  });
export const usePortalPage = (slug: string) => useQuery(portalPageQuery(slug));

// POST /portal/{slug}/register: 202 (a confirmation mail) or 201 (an invitation's account).
export function useRegister(slug: string) {
  return useMutation({
    mutationFn: (input: RegistrationInput) =>
      unwrap(api.POST('/api/v1/portal/{slug}/register', { params: { path: { slug } }, body: input })),
  });
}

// POST /portal/verify: confirms the email of the mailed link.
export function useVerify() {
  return useMutation({
    mutationFn: (token: string) => unwrap(api.POST('/api/v1/portal/verify', { body: { token } })),
  });
}

// POST /portal/{slug}/verify/resend: always 202.
export function useResendVerification(slug: string) {
  return useMutation({
    mutationFn: (email: string) =>
      unwrap(api.POST('/api/v1/portal/{slug}/verify/resend', { params: { path: { slug } }, body: { email } })),
  });
}

// POST /portal/{slug}/unsubscribe: the one-click link of a notification mail.
export function useUnsubscribe(slug: string) {
  return useMutation({
    mutationFn: (token: string) =>
      unwrap(api.POST('/api/v1/portal/{slug}/unsubscribe', { params: { path: { slug } }, body: { token } })),
  });
}

// POST /me/email/confirm: the link mailed to a login's new address.
export function useConfirmEmail() {
  return useMutation({
    mutationFn: (token: string) => unwrap(api.POST('/api/v1/me/email/confirm', { body: { token } })),
  });
}
