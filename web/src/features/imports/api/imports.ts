import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, authFetch, unwrap } from '@/lib/api/client';
import { ApiError } from '@/lib/api/errors';
import type { ResponseOf } from '@/lib/api/types';

export type ImportReport = ResponseOf<'/api/v1/imports', 'post'>;
export type ImportPreview = ResponseOf<'/api/v1/imports/preview', 'post'>;
export type ImportRecord = ImportReport['import'];
export type ImportDetail = ResponseOf<'/api/v1/imports/{id}', 'get'>;
export type ImportKind = 'customers' | 'jobs';

export const importKeys = {
  all: ['imports'] as const,
  list: () => [...importKeys.all, 'list'] as const,
  detail: (id: string) => [...importKeys.all, 'detail', id] as const,
  mappings: () => [...importKeys.all, 'mappings'] as const,
};

export interface ImportRequest {
  file: File;
  kind: ImportKind;
  preset: string;
  mapping?: Record<string, string>;
  dryRun?: boolean;
}

function query({ file, kind, preset, mapping, dryRun }: ImportRequest) {
  return {
    kind,
    preset: preset || undefined,
    file_name: file.name,
    mapping: mapping ? JSON.stringify(mapping) : undefined,
    dry_run: dryRun,
  };
}

/** The request options of an upload: the body is the file itself, sent as it is. */
function upload(request: ImportRequest) {
  return { params: { query: query(request) }, body: request.file as never, bodySerializer: (body: unknown) => body as BodyInit };
}

// POST /imports/preview
export function usePreviewImport() {
  return useMutation({
    mutationFn: (request: ImportRequest) => unwrap(api.POST('/api/v1/imports/preview', upload(request))),
  });
}

// POST /imports
export function useRunImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: ImportRequest) => unwrap(api.POST('/api/v1/imports', upload(request))),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: importKeys.all }),
  });
}

// GET /imports/{id}: a background import, asked again every second while it runs.
export function useImportProgress(id: string, intervalMs = 1000) {
  return useQuery({
    queryKey: importKeys.detail(id),
    queryFn: () => unwrap(api.GET('/api/v1/imports/{id}', { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data?.import.state === 'running' || !query.state.data ? intervalMs : false),
  });
}

// GET /imports, asked again every two seconds while one of them is being undone in the background.
export function useImports(intervalMs = 2000) {
  return useQuery({
    queryKey: importKeys.list(),
    queryFn: () => unwrap(api.GET('/api/v1/imports', { params: { query: { limit: 20 } } })),
    refetchInterval: (query) => (query.state.data?.items.some((i) => i.state === 'undoing') ? intervalMs : false),
  });
}

// POST /imports/{id}/undo: undone at once (200, `undone`), or for a large import in the background (202, `undoing`).
export function useUndoImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/imports/{id}/undo', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: importKeys.all }),
  });
}

// POST /import-mappings
export function useSaveMapping() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { kind: ImportKind; name: string; source: string; mapping: Record<string, string> }) =>
      unwrap(api.POST('/api/v1/import-mappings', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: importKeys.mappings() }),
  });
}

/** Downloads a file the API serves to signed-in admins (errors.csv, export.zip). */
export async function download(path: string, fileName: string) {
  const response = await authFetch(new Request(new URL(path, window.location.origin)));
  if (!response.ok) throw ApiError.fromProblem(response.status, await response.json().catch(() => undefined));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
