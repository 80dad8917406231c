import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, QueryOf, ResponseOf } from '@/lib/api/types';
import { compact } from '@/lib/query';

export type User = ResponseOf<'/api/v1/users/{id}', 'get'>;
export type UserListParams = QueryOf<'/api/v1/users', 'get'>;
export type CreateUserInput = BodyOf<'/api/v1/users', 'post'>;
export type UpdateUserInput = BodyOf<'/api/v1/users/{id}', 'patch'>;

export const userKeys = {
  all: ['users'] as const,
  list: (params: UserListParams) => [...userKeys.all, 'list', params] as const,
};

// GET /users
export const usersQuery = (params: UserListParams) =>
  queryOptions({
    queryKey: userKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/users', { params: { query: compact(params) }, signal })),
    placeholderData: (previous) => previous,
  });
export const useUsers = (params: UserListParams) => useQuery(usersQuery(params));

/** Active workers, for pickers and filters. */
export function useWorkers() {
  const query = useUsers({ role: 'WORKER', limit: 100 });
  return { ...query, data: query.data?.items.filter((u) => u.is_active) };
}

// POST /users
export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserInput) => unwrap(api.POST('/api/v1/users', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

// PATCH /users/{id}
export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateUserInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/users/{id}', { params: { path: { id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

// DELETE /users/{id}
export function useDeleteUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/users/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}
