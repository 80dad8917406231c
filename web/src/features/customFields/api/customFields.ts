import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { customFieldKeys } from '@/lib/api/customFields';
import { jobKeys } from '@/lib/api/keys';
import type { BodyOf } from '@/lib/api/types';

// GET /custom-fields is shared: useCustomFields in lib/api/customFields.ts.

export type CreateCustomFieldInput = BodyOf<'/api/v1/custom-fields', 'post'>;
export type UpdateCustomFieldInput = BodyOf<'/api/v1/custom-fields/{id}', 'patch'>;

function useInvalidateCustomFields() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: customFieldKeys.all }),
      // Archiving or hiding a field changes what job pages show.
      queryClient.invalidateQueries({ queryKey: jobKeys.all }),
    ]);
}

// POST /custom-fields
export function useCreateCustomField() {
  const invalidate = useInvalidateCustomFields();
  return useMutation({
    mutationFn: (body: CreateCustomFieldInput) => unwrap(api.POST('/api/v1/custom-fields', { body })),
    onSuccess: invalidate,
  });
}

// PATCH /custom-fields/{id}
export function useUpdateCustomField() {
  const invalidate = useInvalidateCustomFields();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateCustomFieldInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/custom-fields/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  });
}

// DELETE /custom-fields/{id}
export function useDeleteCustomField() {
  const invalidate = useInvalidateCustomFields();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/custom-fields/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}
