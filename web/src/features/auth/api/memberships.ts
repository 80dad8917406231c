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

/** Switches; `beforeSignIn` runs once the new session is granted, before anything renders with it. */
export async function switchCompany(company: string, beforeSignIn?: () => void) {
  const res = await unwrap(api.POST('/api/v1/auth/switch', { body: { company } }));
  if (!res.user) throw new Error('switch answered without a user');
  beforeSignIn?.();
  session.signIn(res.access_token, res.user);
  return res.user;
}

export function useSwitchCompany() {
  const queryClient = useQueryClient();
  return useMutation({
    // The old company's answers go before the new company shows (the Shell
    // remounts the page per company): no page of the new company starts
    // from the old one's cache or keeps its answers as placeholders. The
    // person's memberships stay (the switcher keeps its list), then reload.
    mutationFn: (company: string) =>
      switchCompany(company, () => queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== membershipKeys.all[0] })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: membershipKeys.all }),
  });
}
