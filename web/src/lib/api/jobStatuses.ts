// GET /job-statuses: read by the jobs lists and forms, the status changer, the
// history and the statuses page, so it is shared. Its writes (create, rename,
// reorder, delete) belong to features/statuses.
import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import { jobKeys } from './keys';
import type { ResponseOf } from './types';

export type JobStatus = ResponseOf<'/api/v1/job-statuses', 'get'>[number];

export const statusesQuery = () =>
  queryOptions({
    queryKey: jobKeys.statuses,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/job-statuses', { signal })),
    staleTime: 60_000,
  });
export const useJobStatuses = () => useQuery(statusesQuery());
