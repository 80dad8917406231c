import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf } from '@/lib/api/types';

export type PasswordResetInput = BodyOf<'/api/v1/auth/password-reset', 'post'>;
export type PasswordResetConfirmInput = BodyOf<'/api/v1/auth/password-reset/confirm', 'post'>;

// POST /auth/password-reset: always 202, whether the account exists or not.
export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: (input: PasswordResetInput) => unwrap(api.POST('/api/v1/auth/password-reset', { body: input })),
  });
}

// POST /auth/password-reset/confirm: 204; every session of the user ends.
export function useConfirmPasswordReset() {
  return useMutation({
    mutationFn: (input: PasswordResetConfirmInput) =>
      unwrap(api.POST('/api/v1/auth/password-reset/confirm', { body: input })),
  });
}
