import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, ResponseOf } from '@/lib/api/types';
import { customerKeys } from './customers';

// A customer's page: its locations, contacts and communication log, and the
// one search box over customers (issue #16).
export type ServiceLocation = ResponseOf<'/api/v1/customers/{id}/locations', 'get'>['items'][number];
export type Contact = ResponseOf<'/api/v1/customers/{id}/contacts', 'get'>['items'][number];
export type Communication = ResponseOf<'/api/v1/customers/{id}/communications', 'get'>['items'][number];
export type CustomerMatch = ResponseOf<'/api/v1/customers/search', 'get'>['items'][number];
export type CreateLocationInput = BodyOf<'/api/v1/customers/{id}/locations', 'post'>;
export type CreateContactInput = BodyOf<'/api/v1/customers/{id}/contacts', 'post'>;
export type UpdateLocationInput = BodyOf<'/api/v1/service-locations/{id}', 'patch'>;
export type UpdateContactInput = BodyOf<'/api/v1/contacts/{id}', 'patch'>;
export type LogCommunicationInput = BodyOf<'/api/v1/customers/{id}/communications', 'post'>;

export const recordKeys = {
  locations: (id: string) => [...customerKeys.detail(id), 'locations'] as const,
  contacts: (id: string) => [...customerKeys.detail(id), 'contacts'] as const,
  communications: (id: string) => [...customerKeys.detail(id), 'communications'] as const,
  search: (q: string) => [...customerKeys.all, 'search', q] as const,
};

// GET /customers/search
export const customerSearchQuery = (q: string, limit = 10) =>
  queryOptions({
    queryKey: [...recordKeys.search(q), limit],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/customers/search', { params: { query: { q, limit } }, signal })),
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
  });
export const useCustomerSearch = (q: string, limit = 10) => useQuery(customerSearchQuery(q, limit));

// GET /customers/{id}/locations
export const locationsQuery = (id: string) =>
  queryOptions({
    queryKey: recordKeys.locations(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/customers/{id}/locations', { params: { path: { id }, query: { limit: 200 } }, signal })),
  });
export const useLocations = (id: string) => useQuery({ ...locationsQuery(id), enabled: Boolean(id) });

// POST /customers/{id}/locations
export function useCreateLocation(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateLocationInput) =>
      unwrap(api.POST('/api/v1/customers/{id}/locations', { params: { path: { id: customerId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recordKeys.locations(customerId) }),
  });
}

// PATCH /service-locations/{id}
export function useUpdateLocation(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateLocationInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/service-locations/{id}', { params: { path: { id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recordKeys.locations(customerId) }),
  });
}

// GET /customers/{id}/contacts
export const contactsQuery = (id: string) =>
  queryOptions({
    queryKey: recordKeys.contacts(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/customers/{id}/contacts', { params: { path: { id }, query: { limit: 200 } }, signal })),
  });
export const useContacts = (id: string) => useQuery({ ...contactsQuery(id), enabled: Boolean(id) });

// POST /customers/{id}/contacts
export function useCreateContact(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateContactInput) =>
      unwrap(api.POST('/api/v1/customers/{id}/contacts', { params: { path: { id: customerId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recordKeys.contacts(customerId) }),
  });
}

// PATCH /contacts/{id}
export function useUpdateContact(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateContactInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/contacts/{id}', { params: { path: { id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recordKeys.contacts(customerId) }),
  });
}

// GET /customers/{id}/communications
export const communicationsQuery = (id: string) =>
  queryOptions({
    queryKey: recordKeys.communications(id),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/v1/customers/{id}/communications', { params: { path: { id }, query: { limit: 100 } }, signal }),
      ),
  });
export const useCommunications = (id: string) => useQuery(communicationsQuery(id));

// POST /customers/{id}/communications
export function useLogCommunication(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: LogCommunicationInput) =>
      unwrap(api.POST('/api/v1/customers/{id}/communications', { params: { path: { id: customerId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recordKeys.communications(customerId) }),
  });
}

export type UpdateCommunicationInput = BodyOf<'/api/v1/customers/{id}/communications/{communication_id}', 'patch'>;

// PATCH /customers/{id}/communications/{communication_id}: only the author's
// own entries (the database's policy); `version` goes as If-Match so an edit
// never overwrites one made meanwhile in another tab.
export function useUpdateCommunication(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, version, ...body }: UpdateCommunicationInput & { id: string; version: number }) =>
      unwrap(
        api.PATCH('/api/v1/customers/{id}/communications/{communication_id}', {
          params: { path: { id: customerId, communication_id: id } },
          headers: { 'If-Match': `"${version}"` },
          body,
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recordKeys.communications(customerId) }),
  });
}

// DELETE /customers/{id}/communications/{communication_id}
export function useDeleteCommunication(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.DELETE('/api/v1/customers/{id}/communications/{communication_id}', {
          params: { path: { id: customerId, communication_id: id } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: recordKeys.communications(customerId) }),
  });
}
