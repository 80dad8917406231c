import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { JobStatus } from '@/lib/api/jobStatuses';
import { jobKeys } from '@/lib/api/keys';
import type { BodyOf } from '@/lib/api/types';

// GET /job-statuses is shared: useJobStatuses in lib/api/jobStatuses.ts.

export type CreateStatusInput = BodyOf<'/api/v1/job-statuses', 'post'>;
export type UpdateStatusInput = BodyOf<'/api/v1/job-statuses/{id}', 'patch'>;

function useInvalidateStatuses() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: jobKeys.statuses }),
      // Jobs embed their status' name and color.
      queryClient.invalidateQueries({ queryKey: jobKeys.all }),
    ]);
}

// POST /job-statuses
export function useCreateStatus() {
  const invalidate = useInvalidateStatuses();
  return useMutation({
    mutationFn: (body: CreateStatusInput) => unwrap(api.POST('/api/v1/job-statuses', { body })),
    onSuccess: invalidate,
  });
}

// PATCH /job-statuses/{id}
export function useUpdateStatus() {
  const invalidate = useInvalidateStatuses();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateStatusInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/job-statuses/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  });
}

// DELETE /job-statuses/{id}
export function useDeleteStatus() {
  const invalidate = useInvalidateStatuses();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/job-statuses/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

// POST /job-statuses/reorder: optimistic, rolled back on failure.
export function useReorderStatuses() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => unwrap(api.POST('/api/v1/job-statuses/reorder', { body: { ids } })),
    onMutate: async (ids) => {
      await queryClient.cancelQueries({ queryKey: jobKeys.statuses });
      const previous = queryClient.getQueryData<JobStatus[]>(jobKeys.statuses);
      if (previous) {
        const byId = new Map(previous.map((s) => [s.id, s]));
        queryClient.setQueryData(
          jobKeys.statuses,
          ids.map((id, index) => ({ ...byId.get(id)!, order_index: index })).filter((s) => s.id),
        );
      }
      return { previous };
    },
    onError: (_e, _ids, context) => {
      if (context?.previous) queryClient.setQueryData(jobKeys.statuses, context.previous);
    },
    onSuccess: (statuses) => queryClient.setQueryData(jobKeys.statuses, statuses),
  });
}
