import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import { branchKeys } from '@/lib/api/branches';
import { jobKeys } from '@/lib/api/keys';
import type { BodyOf } from '@/lib/api/types';

// GET /branches is shared: useBranches in lib/api/branches.ts.

export type CreateBranchInput = BodyOf<'/api/v1/branches', 'post'>;
export type UpdateBranchInput = BodyOf<'/api/v1/branches/{id}', 'patch'>;

function useInvalidateBranches() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: branchKeys.all }),
      // The jobs list filters and shows branches.
      queryClient.invalidateQueries({ queryKey: jobKeys.all }),
    ]);
}

// POST /branches
export function useCreateBranch() {
  const invalidate = useInvalidateBranches();
  return useMutation({
    mutationFn: (body: CreateBranchInput) => unwrap(api.POST('/api/v1/branches', { body })),
    onSuccess: invalidate,
  });
}

// PATCH /branches/{id}
export function useUpdateBranch() {
  const invalidate = useInvalidateBranches();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateBranchInput & { id: string }) =>
      unwrap(api.PATCH('/api/v1/branches/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  });
}

// DELETE /branches/{id}
export function useDeleteBranch() {
  const invalidate = useInvalidateBranches();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/branches/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}
