import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, QueryOf, ResponseOf } from '@/lib/api/types';

export type JobRequest = ResponseOf<'/api/v1/job-requests/{id}', 'get'>;
export type RequestChange = ResponseOf<'/api/v1/job-requests/{id}/history', 'get'>[number];
export type RequestFilter = NonNullable<QueryOf<'/api/v1/job-requests', 'get'>>;
export type NewRequest = BodyOf<'/api/v1/job-requests', 'post'>;
export type RequestEdit = BodyOf<'/api/v1/job-requests/{id}', 'patch'>;
export type Approval = BodyOf<'/api/v1/job-requests/{id}/approve', 'post'>;

export const requestKeys = {
  all: ['job-requests'] as const,
  list: (filter: RequestFilter) => ['job-requests', 'list', filter] as const,
  one: (id: string) => ['job-requests', 'one', id] as const,
  history: (id: string) => ['job-requests', 'history', id] as const,
};

// GET /job-requests
export const requestsQuery = (filter: RequestFilter) =>
  queryOptions({
    queryKey: requestKeys.list(filter),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/job-requests', { params: { query: filter }, signal })),
  });
export const useRequests = (filter: RequestFilter) => useQuery(requestsQuery(filter));

// GET /job-requests/{id}
export const requestQuery = (id: string) =>
  queryOptions({
    queryKey: requestKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/job-requests/{id}', { params: { path: { id } }, signal })),
  });
export const useRequest = (id: string) => useQuery(requestQuery(id));

// GET /job-requests/{id}/history
export const historyQuery = (id: string) =>
  queryOptions({
    queryKey: requestKeys.history(id),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/job-requests/{id}/history', { params: { path: { id } }, signal })),
  });
export const useRequestHistory = (id: string) => useQuery(historyQuery(id));

function useRefresh() {
  const client = useQueryClient();
  return (request: JobRequest) => {
    client.setQueryData(requestKeys.one(request.id), request);
    void client.invalidateQueries({ queryKey: requestKeys.all });
  };
}

// POST /job-requests: a draft.
export function useCreateRequest() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (input: NewRequest) => unwrap(api.POST('/api/v1/job-requests', { body: input })),
    onSuccess: refresh,
  });
}

// PATCH /job-requests/{id}
export function useUpdateRequest() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, edit }: { id: string; edit: RequestEdit }) =>
      unwrap(api.PATCH('/api/v1/job-requests/{id}', { params: { path: { id } }, body: edit })),
    onSuccess: refresh,
  });
}

type Move = 'submit' | 'withdraw';

// POST /job-requests/{id}/submit and /withdraw
export function useMoveRequest() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, move }: { id: string; move: Move }) =>
      move === 'submit'
        ? unwrap(api.POST('/api/v1/job-requests/{id}/submit', { params: { path: { id } }, body: {} }))
        : unwrap(api.POST('/api/v1/job-requests/{id}/withdraw', { params: { path: { id } }, body: {} })),
    onSuccess: refresh,
  });
}

// POST /job-requests/{id}/approve (admins): the job is created with it.
export function useApproveRequest() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, approval }: { id: string; approval: Approval }) =>
      unwrap(api.POST('/api/v1/job-requests/{id}/approve', { params: { path: { id } }, body: approval })),
    onSuccess: refresh,
  });
}

// POST /job-requests/{id}/reject (admins)
export function useRejectRequest() {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) =>
      unwrap(api.POST('/api/v1/job-requests/{id}/reject', { params: { path: { id } }, body: { reason } })),
    onSuccess: refresh,
  });
}

export type Location = ResponseOf<'/api/v1/customers/{id}/locations', 'get'>['items'][number];

// GET /customers/{id}/locations: the customer's own places, for the request form.
export const myLocationsQuery = (customerId: string) =>
  queryOptions({
    queryKey: ['my-locations', customerId] as const,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/customers/{id}/locations', { params: { path: { id: customerId }, query: { limit: 100 } }, signal })),
    staleTime: 60_000,
  });
export const useMyLocations = (customerId: string | null | undefined) =>
  useQuery({ ...myLocationsQuery(customerId ?? ''), enabled: Boolean(customerId) });

// GET /customers?limit=100: the staff's queue filter by customer, by name.
export const queueCustomersQuery = () =>
  queryOptions({
    queryKey: ['job-requests', 'queue-customers'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/customers', { params: { query: { limit: 100 } }, signal })),
    staleTime: 60_000,
  });
export const useQueueCustomers = () => useQuery(queueCustomersQuery());
