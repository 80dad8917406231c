// The query keys of the job and everything hanging off it. Shared, because the
// sub-features of a job (tasks, notes, history, share links, statuses) each
// invalidate what their changes touch: a key under `detail(id)` goes stale with
// the job; `statuses` are embedded in every job.
import type { QueryOf } from './types';

export type JobListParams = QueryOf<'/api/v1/jobs', 'get'>;

export const jobKeys = {
  all: ['jobs'] as const,
  lists: () => [...jobKeys.all, 'list'] as const,
  list: (params: JobListParams) => [...jobKeys.lists(), params] as const,
  assigned: () => [...jobKeys.all, 'assigned'] as const,
  details: () => [...jobKeys.all, 'detail'] as const,
  detail: (id: string) => [...jobKeys.details(), id] as const,
  shareLinks: (id: string) => [...jobKeys.detail(id), 'share-links'] as const,
  history: (id: string) => [...jobKeys.detail(id), 'history'] as const,
  timeline: (id: string) => [...jobKeys.detail(id), 'timeline'] as const,
  statuses: ['job-statuses'] as const,
};
