import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { roleKeys } from '@/lib/api/roles';
import type { BodyOf, ResponseOf } from '@/lib/api/types';

// GET /roles is shared: useRoles in lib/api/roles.ts.

export type Permission = ResponseOf<'/api/v1/permissions', 'get'>[number];
export type CreateRoleInput = BodyOf<'/api/v1/roles', 'post'>;
export type UpdateRoleInput = BodyOf<'/api/v1/roles/{id}', 'patch'>;

// GET /permissions: the catalogue only changes with a migration.
export const permissionsQuery = () =>
  queryOptions({
    queryKey: roleKeys.permissions,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/permissions', { signal })),
    staleTime: Infinity,
  });
export const usePermissionCatalogue = () => useQuery(permissionsQuery());

function useInvalidateRoles() {
  const queryClient = useQueryClient();
  // Member counts and the users page's role names hang on the roles.
  return () => queryClient.invalidateQueries({ queryKey: roleKeys.all });
}

// POST /roles
export function useCreateRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: (body: CreateRoleInput) => unwrap(api.POST('/api/v1/roles', { body })),
    onSuccess: invalidate,
  });
}

// PATCH /roles/{id}, as of the version read (If-Match; 412 when someone saved since).
export function useUpdateRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: ({ id, version, ...body }: UpdateRoleInput & { id: string; version: number }) =>
      unwrap(api.PATCH('/api/v1/roles/{id}', { params: { path: { id } }, body, headers: { 'If-Match': `"${version}"` } })),
    onSuccess: invalidate,
  });
}

// DELETE /roles/{id}
export function useDeleteRole() {
  const invalidate = useInvalidateRoles();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/roles/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}
