import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, Schemas } from '@/lib/api/types';
import { session } from '@/lib/auth/session';

export type LoginInput = BodyOf<'/api/v1/auth/login', 'post'>;

/**
 * A sign-in without a company by a person of several companies, none used
 * last: the server's 409 lists them, and the page asks which.
 */
export class ChooseCompany extends Error {
  readonly memberships: Schemas['Membership'][];

  constructor(memberships: Schemas['Membership'][]) {
    super('choose a company');
    this.name = 'ChooseCompany';
    this.memberships = memberships;
  }
}

function isChoice(body: unknown): body is Schemas['MembershipChoice'] {
  return !!body && typeof body === 'object' && Array.isArray((body as { memberships?: unknown }).memberships);
}

export async function login(input: LoginInput) {
  const call = api.POST('/api/v1/auth/login', { body: input });
  const { error, response } = await call;
  if (response.status === 409 && isChoice(error)) throw new ChooseCompany(error.memberships);
  const res = await unwrap(call);
  if (!res.user) throw new Error('login answered without a user');
  session.signIn(res.access_token, res.user);
  return res.user;
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: () => queryClient.clear(),
  });
}

export async function logout() {
  try {
    // Revokes the session server-side and clears the refresh cookie.
    await unwrap(api.POST('/api/v1/auth/logout'));
  } finally {
    session.signOut('signed-out');
  }
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => queryClient.clear(),
  });
}
