import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, ResponseOf } from '@/lib/api/types';
import { jobKeys } from '@/lib/api/keys';

export type Note = ResponseOf<'/api/v1/jobs/{id}/notes', 'post'>;
export type CreateNoteInput = BodyOf<'/api/v1/jobs/{id}/notes', 'post'>;

// POST /jobs/{id}/notes
export function useCreateNote(jobId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateNoteInput) =>
      unwrap(api.POST('/api/v1/jobs/{id}/notes', { params: { path: { id: jobId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: jobKeys.detail(jobId) }),
  });
}
