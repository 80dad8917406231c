// GET /custom-fields: read by the settings page, the job and customer forms and
// every job page, so it is shared. The server answers each role with the
// definitions visible to it. Its writes belong to features/customFields.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { ResponseOf } from './types';

export type CustomFieldDefinition = ResponseOf<'/api/v1/custom-fields', 'get'>[number];
export type CustomFieldEntity = CustomFieldDefinition['entity'];
export type CustomFieldType = CustomFieldDefinition['field_type'];
/** A row's values by key, as the API sends and takes them. */
export type CustomFieldValues = Record<string, string | number | boolean>;

export const customFieldKeys = {
  all: ['custom-fields'] as const,
  list: (entity: CustomFieldEntity) => [...customFieldKeys.all, entity] as const,
};

export const customFieldsQuery = (entity: CustomFieldEntity) =>
  queryOptions({
    queryKey: customFieldKeys.list(entity),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/custom-fields', { params: { query: { entity } }, signal })),
    staleTime: 60_000,
  });
export const useCustomFields = (entity: CustomFieldEntity) => useQuery(customFieldsQuery(entity));
