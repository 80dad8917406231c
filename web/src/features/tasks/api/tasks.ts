import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, ResponseOf } from '@/lib/api/types';
import type { JobDetail } from '@/lib/api/types';
import { jobKeys } from '@/lib/api/keys';

export type Task = ResponseOf<'/api/v1/jobs/{id}/tasks', 'post'>;
export type UpdateTaskInput = BodyOf<'/api/v1/job-tasks/{id}', 'patch'>;

function useInvalidateJob(jobId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: jobKeys.detail(jobId) }),
      queryClient.invalidateQueries({ queryKey: jobKeys.lists() }),
      queryClient.invalidateQueries({ queryKey: jobKeys.assigned() }),
    ]);
}

// POST /jobs/{id}/tasks
export function useCreateTask(jobId: string) {
  const invalidate = useInvalidateJob(jobId);
  return useMutation({
    mutationFn: (body: BodyOf<'/api/v1/jobs/{id}/tasks', 'post'>) =>
      unwrap(api.POST('/api/v1/jobs/{id}/tasks', { params: { path: { id: jobId } }, body })),
    onSettled: invalidate,
  });
}

// PATCH /job-tasks/{id}: optimistic in the job's cached detail, rolled back on failure.
export function useUpdateTask(jobId: string) {
  const queryClient = useQueryClient();
  const invalidate = useInvalidateJob(jobId);
  const mutationKey = ['job-task-update', jobId];
  return useMutation({
    mutationKey,
    mutationFn: ({ id, ...body }: UpdateTaskInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/job-tasks/{id}', { params: { path: { id } }, body })),
    // Synchronous, so the box ticks in the same frame as the tap; an in-flight
    // refetch of the job is cancelled (not reverted) so it cannot untick it.
    onMutate: ({ id, ...change }) => {
      const key = jobKeys.detail(jobId);
      void queryClient.cancelQueries({ queryKey: key }, { revert: false });
      const previous = queryClient.getQueryData<JobDetail>(key);
      if (previous) queryClient.setQueryData<JobDetail>(key, applyTaskChange(previous, id, change));
      return { previous };
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) queryClient.setQueryData(jobKeys.detail(jobId), context.previous);
    },
    // Refetch only when the last of several quick ticks settles: a refetch
    // started by the first would land while the second is still on its way
    // and untick it.
    onSettled: () => {
      if (queryClient.isMutating({ mutationKey }) === 1) return invalidate();
    },
  });
}

/** The job as it will look once the task change is saved. */
export function applyTaskChange(job: JobDetail, taskId: string, change: UpdateTaskInput): JobDetail {
  let tasks = job.tasks.map((t) =>
    t.id === taskId
      ? {
          ...t,
          ...(change.title != null ? { title: change.title } : {}),
          ...(change.position != null ? { position: change.position } : {}),
          ...(change.is_completed != null
            ? { is_completed: change.is_completed, completed_at: change.is_completed ? new Date().toISOString() : null }
            : {}),
        }
      : t,
  );
  if (change.position != null) tasks = [...tasks].sort((a, b) => a.position - b.position);
  return { ...job, tasks, tasks_done: tasks.filter((t) => t.is_completed).length, tasks_total: tasks.length };
}

// PUT /jobs/{id}/tasks/order: the whole new order in one request, so the list
// is never half-moved. Optimistic, rolled back on failure.
export function useReorderTasks(jobId: string) {
  const queryClient = useQueryClient();
  const invalidate = useInvalidateJob(jobId);
  return useMutation({
    mutationFn: (taskIds: string[]) =>
      unwrap(api.PUT('/api/v1/jobs/{id}/tasks/order', { params: { path: { id: jobId } }, body: { task_ids: taskIds } })),
    onMutate: async (taskIds) => {
      const key = jobKeys.detail(jobId);
      await queryClient.cancelQueries({ queryKey: key });
      const previous = queryClient.getQueryData<JobDetail>(key);
      if (previous) {
        const byId = new Map(previous.tasks.map((t) => [t.id, t]));
        const tasks = taskIds.flatMap((id, position) => {
          const task = byId.get(id);
          return task ? [{ ...task, position }] : [];
        });
        queryClient.setQueryData<JobDetail>(key, { ...previous, tasks });
      }
      return { previous };
    },
    onError: (_error, _vars, context) => {
      if (context?.previous) queryClient.setQueryData(jobKeys.detail(jobId), context.previous);
    },
    onSettled: invalidate,
  });
}

// DELETE /job-tasks/{id}
export function useDeleteTask(jobId: string) {
  const invalidate = useInvalidateJob(jobId);
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/job-tasks/{id}', { params: { path: { id } } })),
    onSettled: invalidate,
  });
}
