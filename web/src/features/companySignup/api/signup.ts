// Self-service sign-up (issue #15): a new company with its first owner, who
// confirms the address with a mailed link before the company exists.
import { queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, ResponseOf } from '@/lib/api/types';

export type SignupInput = BodyOf<'/api/v1/signup', 'post'>;
export type ConfirmedSignup = ResponseOf<'/api/v1/signup/confirm', 'post'>;

// GET /signup: public; whether this server takes self-service sign-ups.
export const signupOpenQuery = queryOptions({
  queryKey: ['signup-open'] as const,
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/signup', { signal })),
  staleTime: 5 * 60_000,
});
export const useSignupOpen = () => useQuery(signupOpenQuery);

// POST /signup: 202; the confirmation link is mailed to the owner's address.
export function useSignup() {
  return useMutation({
    mutationFn: (input: SignupInput) => unwrap(api.POST('/api/v1/signup', { body: input })),
  });
}

// POST /signup/confirm: 201, the company and its owner are created.
export function useConfirmSignup() {
  return useMutation({
    mutationFn: (token: string) => unwrap(api.POST('/api/v1/signup/confirm', { body: { token } })),
  });
}
