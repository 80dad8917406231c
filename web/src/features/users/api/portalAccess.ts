// What a customer login may see: which of its customer's contacts it is, and
// the locations that contact is limited to (GET/PUT /contacts/{id}/locations).
// The database enforces the limit (migration 0025); this only edits it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf } from '@/lib/api/types';

export type ContactLocationsInput = BodyOf<'/api/v1/contacts/{id}/locations', 'put'>;

const accessKeys = {
  all: ['portal-access'] as const,
  contacts: (customerId: string) => [...accessKeys.all, 'contacts', customerId] as const,
  locations: (customerId: string) => [...accessKeys.all, 'locations', customerId] as const,
  limit: (contactId: string) => [...accessKeys.all, 'limit', contactId] as const,
};

// A customer's contacts and locations, for the pickers (the first 100: a
// customer with more people than that links logins from its own page).
export const useCustomerContacts = (customerId: string) =>
  useQuery({
    queryKey: accessKeys.contacts(customerId),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/customers/{id}/contacts', { params: { path: { id: customerId }, query: { limit: 100 } }, signal })),
    enabled: customerId !== '',
  });

export const useCustomerLocations = (customerId: string) =>
  useQuery({
    queryKey: accessKeys.locations(customerId),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/v1/customers/{id}/locations', { params: { path: { id: customerId }, query: { limit: 100 } }, signal })),
    enabled: customerId !== '',
  });

export const useContactLocations = (contactId: string) =>
  useQuery({
    queryKey: accessKeys.limit(contactId),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/contacts/{id}/locations', { params: { path: { id: contactId } }, signal })),
    enabled: contactId !== '',
  });

export function usePutContactLocations() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: ContactLocationsInput & { id: string }) =>
      unwrap(api.PUT('/api/v1/contacts/{id}/locations', { params: { path: { id } }, body })),
    onSuccess: (_, { id }) => queryClient.invalidateQueries({ queryKey: accessKeys.limit(id) }),
  });
}
