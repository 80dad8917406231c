import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { jobKeys } from '@/lib/api/keys';
import type { BodyOf, QueryOf, ResponseOf } from '@/lib/api/types';
import { compact } from '@/lib/query';

export type Customer = ResponseOf<'/api/v1/customers/{id}', 'get'>;
export type CustomerListParams = QueryOf<'/api/v1/customers', 'get'>;
export type CreateCustomerInput = BodyOf<'/api/v1/customers', 'post'>;
export type UpdateCustomerInput = BodyOf<'/api/v1/customers/{id}', 'patch'>;

export const customerKeys = {
  all: ['customers'] as const,
  list: (params: CustomerListParams) => [...customerKeys.all, 'list', params] as const,
  detail: (id: string) => [...customerKeys.all, 'detail', id] as const,
};

// GET /customers
export const customersQuery = (params: CustomerListParams) =>
  queryOptions({
    queryKey: customerKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/customers', { params: { query: compact(params) }, signal })),
    placeholderData: (previous) => previous,
  });
export const useCustomers = (params: CustomerListParams) => useQuery(customersQuery(params));

// GET /customers/{id}
export const customerQuery = (id: string) =>
  queryOptions({
    queryKey: customerKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/customers/{id}', { params: { path: { id } }, signal })),
  });
export const useCustomer = (id: string) => useQuery({ ...customerQuery(id), enabled: Boolean(id) });

// POST /customers
export function useCreateCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateCustomerInput) => unwrap(api.POST('/api/v1/customers', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customerKeys.all }),
  });
}

// PATCH /customers/{id}
export function useUpdateCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateCustomerInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/customers/{id}', { params: { path: { id } }, body })),
    // Jobs embed the customer's name and contact details.
    onSuccess: () => Promise.all([queryClient.invalidateQueries({ queryKey: customerKeys.all }), queryClient.invalidateQueries({ queryKey: jobKeys.all })]),
  });
}

// DELETE /customers/{id}
export function useDeleteCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/customers/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: customerKeys.all }),
  });
}
