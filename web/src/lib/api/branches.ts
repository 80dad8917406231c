// GET /branches: read by the branches page, the branch pickers of the job,
// customer and member forms and the jobs list's filter, so it is shared. Its
// writes belong to features/branches.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { ResponseOf } from './types';

export type Branch = ResponseOf<'/api/v1/branches', 'get'>[number];

export const branchKeys = { all: ['branches'] as const };

export const branchesQuery = () =>
  queryOptions({
    queryKey: branchKeys.all,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/branches', { signal })),
    staleTime: 60_000,
  });
export const useBranches = () => useQuery(branchesQuery());

// GET /auth/me: the branch a branch-scoped member's session sees, for the
// header (sign-in answers do not carry it). Customers have none.
export const sessionBranchQuery = () =>
  queryOptions({
    queryKey: [...branchKeys.all, 'session'] as const,
    queryFn: async ({ signal }) => (await unwrap(api.GET('/api/v1/auth/me', { signal }))).branch ?? null,
    staleTime: 5 * 60_000,
  });
export const useSessionBranch = (enabled: boolean) => useQuery({ ...sessionBranchQuery(), enabled });
