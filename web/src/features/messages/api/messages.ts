import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { BodyOf, ResponseOf } from '@/lib/api/types';

export type Message = ResponseOf<'/api/v1/jobs/{id}/messages', 'get'>['items'][number];
export type NewMessage = BodyOf<'/api/v1/jobs/{id}/messages', 'post'>;
export type UnreadCounts = ResponseOf<'/api/v1/messages/unread', 'get'>;

/** A conversation: a job request's or a job's. */
export interface Thread {
  kind: 'request' | 'job';
  id: string;
}

export const messageKeys = {
  all: ['messages'] as const,
  thread: (thread: Thread) => ['messages', thread.kind, thread.id] as const,
  unread: ['messages', 'unread'] as const,
};

// GET /job-requests/{id}/messages, GET /jobs/{id}/messages (the first 100, oldest first)
export const messagesQuery = (thread: Thread) =>
  queryOptions({
    queryKey: messageKeys.thread(thread),
    queryFn: ({ signal }) => {
      const params = { path: { id: thread.id }, query: { limit: 100 } };
      return thread.kind === 'request'
        ? unwrap(api.GET('/api/v1/job-requests/{id}/messages', { params, signal }))
        : unwrap(api.GET('/api/v1/jobs/{id}/messages', { params, signal }));
    },
  });
export const useMessages = (thread: Thread) => useQuery(messagesQuery(thread));

// POST /job-requests/{id}/messages, POST /jobs/{id}/messages
export function usePostMessage(thread: Thread) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NewMessage) => {
      const params = { path: { id: thread.id } };
      return thread.kind === 'request'
        ? unwrap(api.POST('/api/v1/job-requests/{id}/messages', { params, body }))
        : unwrap(api.POST('/api/v1/jobs/{id}/messages', { params, body }));
    },
    onSuccess: () => client.invalidateQueries({ queryKey: messageKeys.thread(thread) }),
  });
}

// POST /job-requests/{id}/messages/read, POST /jobs/{id}/messages/read
export function useMarkRead(thread: Thread) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => {
      const params = { path: { id: thread.id } };
      return thread.kind === 'request'
        ? unwrap(api.POST('/api/v1/job-requests/{id}/messages/read', { params }))
        : unwrap(api.POST('/api/v1/jobs/{id}/messages/read', { params }));
    },
    onSuccess: () => client.invalidateQueries({ queryKey: messageKeys.unread }),
  });
}

// GET /messages/unread (asked again every minute, for the header badge)
export const unreadQuery = () =>
  queryOptions({
    queryKey: messageKeys.unread,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/messages/unread', { signal })),
    refetchInterval: 60_000,
  });
export const useUnread = () => useQuery(unreadQuery());
