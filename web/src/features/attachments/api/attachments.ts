import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, authFetch, unwrap } from '@/lib/api/client';
import { ApiError } from '@/lib/api/errors';
import { refreshAccessToken, session } from '@/lib/auth/session';
import type { ResponseOf } from '@/lib/api/types';

export type Attachment = ResponseOf<'/api/v1/attachments/{id}', 'get'>;
export type PhotoGroup = Attachment['group'];
export type Visibility = Attachment['visibility'];
/** What files hang off: a job, or a customer's job request. */
export type Parent = { kind: 'job' | 'request'; id: string };
export type Variant = 'original' | 'small' | 'medium';

export const attachmentKeys = {
  all: ['attachments'] as const,
  list: (parent: Parent) => [...attachmentKeys.all, parent.kind, parent.id] as const,
  content: (id: string, variant: Variant) => [...attachmentKeys.all, 'content', id, variant] as const,
};

function uploadPath(parent: Parent): string {
  return parent.kind === 'job' ? `/api/v1/jobs/${parent.id}/attachments` : `/api/v1/job-requests/${parent.id}/attachments`;
}

// GET /jobs/{id}/attachments and GET /job-requests/{id}/attachments
export function attachmentsQuery(parent: Parent) {
  return queryOptions({
    queryKey: attachmentKeys.list(parent),
    queryFn: () =>
      parent.kind === 'job'
        ? unwrap(api.GET('/api/v1/jobs/{id}/attachments', { params: { path: { id: parent.id } } }))
        : unwrap(api.GET('/api/v1/job-requests/{id}/attachments', { params: { path: { id: parent.id } } })),
  });
}

export function useAttachments(parent: Parent) {
  return useQuery(attachmentsQuery(parent));
}

// GET /attachments/{id}/content, as an object URL: an <img> cannot send the
// bearer token, and files are served only to a signed-in caller.
export function useAttachmentContent(id: string, variant: Variant, enabled = true) {
  return useQuery({
    queryKey: attachmentKeys.content(id, variant),
    enabled,
    staleTime: Infinity,
    queryFn: async () => {
      const query = variant === 'original' ? '' : `?variant=${variant}`;
      const response = await authFetch(new Request(`${window.location.origin}/api/v1/attachments/${id}/content${query}`));
      if (!response.ok) throw ApiError.fromProblem(response.status, await response.json().catch(() => null));
      return URL.createObjectURL(await response.blob());
    },
  });
}

// DELETE /attachments/{id}
export function useDeleteAttachment(parent: Parent) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/attachments/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: attachmentKeys.list(parent) }),
  });
}

export type UploadOptions = {
  group?: PhotoGroup;
  visibility?: Visibility;
  /** The Idempotency-Key: the same for every retry of one file, so it is stored once. */
  key: string;
  onProgress?: (percent: number) => void;
};

/** The query string of an upload's options. */
export function uploadQuery(options: Pick<UploadOptions, 'group' | 'visibility'>): string {
  const query = new URLSearchParams();
  if (options.group && options.group !== 'none') query.set('group', options.group);
  if (options.visibility) query.set('visibility', options.visibility);
  const text = query.toString();
  return text ? `?${text}` : '';
}

// POST /jobs/{id}/attachments and POST /job-requests/{id}/attachments. The body
// is the file itself; XMLHttpRequest, because fetch reports no upload progress.
export async function uploadFile(parent: Parent, file: File, options: UploadOptions): Promise<Attachment> {
  const send = (token: string | null) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', uploadPath(parent) + uploadQuery(options));
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
      xhr.setRequestHeader('Idempotency-Key', options.key);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) options.onProgress?.(Math.round((event.loaded / event.total) * 100));
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(ApiError.network(new Error('upload failed')));
      xhr.send(file);
    });
  let answer = await send(session.token());
  if (answer.status === 401) {
    const fresh = await refreshAccessToken();
    if (fresh) {
      session.setToken(fresh);
      answer = await send(fresh);
    }
  }
  if (answer.status < 200 || answer.status >= 300) throw ApiError.fromProblem(answer.status, answer.body);
  options.onProgress?.(100);
  return answer.body as Attachment;
}
