import type { Problem } from './types';

/** A record a new one would likely repeat (a 409 `duplicate`'s candidates). */
export type DuplicateCandidate = NonNullable<Problem['duplicates']>[number];

export type FieldErrors = Record<string, string[]>;

/** A failed API call: the server's problem+json, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly fieldErrors: FieldErrors;
  /** On a 409 `duplicate`: the likely duplicates, to pick one or create anyway. */
  readonly duplicates: DuplicateCandidate[];
  /** On a 429 or 503: the seconds the server asks to wait (its Retry-After), if it said. */
  readonly retryAfterSeconds: number | null;

  constructor(
    status: number,
    title: string,
    detail: string,
    fieldErrors: FieldErrors = {},
    duplicates: DuplicateCandidate[] = [],
    retryAfterSeconds: number | null = null,
  ) {
    super(detail || title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.fieldErrors = fieldErrors;
    this.duplicates = duplicates;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The failed response's problem+json, with its Retry-After when `headers` are given. */
  static fromProblem(status: number, body: unknown, headers?: Headers): ApiError {
    const p = (body && typeof body === 'object' ? body : {}) as Partial<Problem>;
    const errors: FieldErrors = {};
    if (p.errors && typeof p.errors === 'object') {
      for (const [field, messages] of Object.entries(p.errors)) {
        if (Array.isArray(messages)) errors[field] = messages.map(String);
      }
    }
    const title = typeof p.title === 'string' ? p.title : defaultTitle(status);
    const detail = typeof p.detail === 'string' ? p.detail : title;
    const duplicates = Array.isArray(p.duplicates) ? p.duplicates : [];
    return new ApiError(status, title, detail, errors, duplicates, retryAfterSeconds(headers?.get('Retry-After') ?? null));
  }

  static network(cause: unknown): ApiError {
    const error = new ApiError(0, 'Network error', 'Could not reach the server. Check your connection and try again.');
    (error as { cause?: unknown }).cause = cause;
    return error;
  }
}

// The server sends whole seconds; an HTTP date (the header's other form) is
// not something it sends, so it reads as unknown.
function retryAfterSeconds(value: string | null): number | null {
  if (!value || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

function defaultTitle(status: number): string {
  if (status === 401) return 'Not signed in';
  if (status === 403) return 'Not allowed';
  if (status === 404) return 'Not found';
  if (status === 409) return 'Conflict';
  if (status === 412) return 'Changed by someone else';
  if (status === 422) return 'Invalid input';
  if (status >= 500) return 'Server error';
  return 'Request failed';
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

/** A message fit to show a person. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong. Please try again.';
}
