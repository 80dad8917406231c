import { queryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { jobKeys, type JobListParams } from '@/lib/api/keys';
import type { BodyOf } from '@/lib/api/types';
import { compact } from '@/lib/query';

// The job's types (JobDetail, JobSummary) are in lib/api/types.ts: every
// sub-feature of a job works on them.
export type CreateJobInput = BodyOf<'/api/v1/jobs', 'post'>;
export type UpdateJobInput = BodyOf<'/api/v1/jobs/{id}', 'patch'>;

// GET /jobs
export const jobsQuery = (params: JobListParams) =>
  queryOptions({
    queryKey: jobKeys.list(params),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/jobs', { params: { query: compact(params) }, signal })),
    placeholderData: (previous) => previous,
  });
export const useJobs = (params: JobListParams) => useQuery(jobsQuery(params));

// GET /workers/assigned-jobs: keyset-paged in workflow order; the worker loads
// further pages on demand.
export function useAssignedJobs() {
  return useInfiniteQuery({
    queryKey: jobKeys.assigned(),
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/v1/workers/assigned-jobs', {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

// GET /jobs/{id}
export const jobQuery = (id: string) =>
  queryOptions({
    queryKey: jobKeys.detail(id),
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/jobs/{id}', { params: { path: { id } }, signal })),
  });
export const useJob = (id: string) => useQuery({ ...jobQuery(id), enabled: Boolean(id) });

// POST /jobs
export function useCreateJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateJobInput) => unwrap(api.POST('/api/v1/jobs', { body })),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(job.id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}

// PATCH /jobs/{id}. With `version`, sent as If-Match: the edit applies only if
// nobody changed the job since it was read (else 412).
export function useUpdateJob(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ version, ...body }: UpdateJobInput & { version?: number }) =>
      unwrap(
        api.PATCH('/api/v1/jobs/{id}', {
          params: { path: { id } },
          body,
          headers: version === undefined ? {} : { 'If-Match': `"${version}"` },
        }),
      ),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.history(id) });
      void queryClient.invalidateQueries({ queryKey: jobKeys.timeline(id) });
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
      void queryClient.invalidateQueries({ queryKey: jobKeys.assigned() });
    },
  });
}

// POST /jobs/{id}/archive and /unarchive
export function useArchiveJob(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (archive: boolean) =>
      unwrap(
        archive
          ? api.POST('/api/v1/jobs/{id}/archive', { params: { path: { id } } })
          : api.POST('/api/v1/jobs/{id}/unarchive', { params: { path: { id } } }),
      ),
    onSuccess: (job) => {
      queryClient.setQueryData(jobKeys.detail(id), job);
      void queryClient.invalidateQueries({ queryKey: jobKeys.history(id) });
      void queryClient.invalidateQueries({ queryKey: jobKeys.timeline(id) });
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
    },
  });
}
