import type { QueryOf } from '@/lib/api/types';

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
