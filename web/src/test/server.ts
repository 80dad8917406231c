import { vi } from 'vitest';

/** A JSON answer (problem+json from 400 on; no body for 204). */
export function json(status: number, body: unknown) {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
  ifMatch: string | null;
}

/** Stubs fetch with answers by `METHOD /path` (404 otherwise); returns what was sent, in order. */
export function stubServer(routes: Record<string, () => Response>): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: Request) => {
      const path = new URL(input.url).pathname;
      const body = input.method === 'GET' ? undefined : await input.clone().json().catch(() => undefined);
      calls.push({ method: input.method, path, body, ifMatch: input.headers.get('if-match') });
      const answer = routes[`${input.method} ${path}`];
      return answer ? answer() : json(404, { title: 'Not Found', status: 404 });
    }),
  );
  return calls;
}
