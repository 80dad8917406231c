import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf } from '@/lib/api/types';
import { session } from '@/lib/auth/session';

export type LoginInput = BodyOf<'/api/v1/auth/login', 'post'>;

export async function login(input: LoginInput) {
  const res = await unwrap(api.POST('/api/v1/auth/login', { body: input }));
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
