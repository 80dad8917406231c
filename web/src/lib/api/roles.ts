// GET /roles is shared: the roles page edits them, the users page names each
// member's role and picks one.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { ResponseOf } from './types';

export type CompanyRole = ResponseOf<'/api/v1/roles', 'get'>[number];

export const roleKeys = {
  all: ['roles'] as const,
  permissions: ['permissions'] as const,
};

export const rolesQuery = () =>
  queryOptions({
    queryKey: roleKeys.all,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/roles', { signal })),
  });
export const useRoles = () => useQuery(rolesQuery());

/** What a kind of member is called on screen. */
export const KIND_LABEL = { ADMIN: 'Office', WORKER: 'Field', CUSTOMER: 'Customer' } as const;
