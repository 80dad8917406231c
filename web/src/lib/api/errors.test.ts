import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage, isApiError } from './errors';

describe('ApiError', () => {
  it('reads problem+json', () => {
    const e = ApiError.fromProblem(409, { type: 't', title: 'Conflict', status: 409, detail: 'status is in use' });
    expect(e.message).toBe('status is in use');
    expect(isApiError(e, 409)).toBe(true);
    expect(errorMessage(e)).toBe('status is in use');
  });

  it('survives a body that is not a problem', () => {
    const e = ApiError.fromProblem(502, 'Bad gateway');
    expect(e.title).toBe('Server error');
    expect(e.fieldErrors).toEqual({});
  });

  it('keeps only well-formed field errors', () => {
    const e = ApiError.fromProblem(422, { errors: { name: ['is required'], weird: 'x' } });
    expect(e.fieldErrors).toEqual({ name: ['is required'] });
  });

  it('reads the seconds of Retry-After, and nothing else', () => {
    const wait = (value: string) => ApiError.fromProblem(429, {}, new Headers({ 'Retry-After': value })).retryAfterSeconds;
    expect(wait('120')).toBe(120);
    expect(wait('Wed, 21 Oct 2015 07:28:00 GMT')).toBeNull();
    expect(ApiError.fromProblem(429, {}).retryAfterSeconds).toBeNull();
  });

  it('does not leak unknown errors', () => {
    expect(errorMessage(new Error('internal stack detail'))).toBe('Something went wrong. Please try again.');
  });
});
