// People in several companies (docs/organizations.md): the signed-in person's
// memberships and the switch to another company. A switch is a new session of
// the other membership; everything cached belongs to the old company, so the
// cache is cleared and every page fetches again.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { session } from '@/lib/auth/session';

export type Membership = Schemas['Membership'];

export const membershipKeys = { all: ['memberships'] as const };

export const useMemberships = () =>
  useQuery({
    queryKey: membershipKeys.all,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/auth/memberships', { signal })),
  });

export async function switchCompany(company: string) {
  const res = await unwrap(api.POST('/api/v1/auth/switch', { body: { company } }));
  if (!res.user) throw new Error('switch answered without a user');
  session.signIn(res.access_token, res.user);
  return res.user;
}

export function useSwitchCompany() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: switchCompany,
    onSuccess: () => queryClient.clear(),
  });
}
