import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { ForgotPasswordPage } from './ForgotPasswordPage';
import { ResetPasswordPage, tokenFrom } from './ResetPasswordPage';

const TOKEN = 'A'.repeat(64);

function answer(status: number, body?: unknown) {
  const headers: Record<string, string> =
    body === undefined ? { 'content-length': '0' } : { 'content-type': 'application/problem+json' };
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('ForgotPasswordPage', () => {
  it('asks for company and email, then says the same whatever the account', async () => {
    const fetchMock = vi.fn(async () => answer(202));
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<ForgotPasswordPage />, { route: '/forgot-password' });
    await userEvent.click(screen.getByRole('button', { name: 'Mail me a link' }));
    expect(screen.getByText('Enter your email')).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();

    await userEvent.type(screen.getByLabelText(/Company/), 'ACME');
    await userEvent.type(screen.getByLabelText(/Email/), 'ann@acme.example');
    await userEvent.click(screen.getByRole('button', { name: 'Mail me a link' }));
    expect(await screen.findByText(/If an account matches/)).toBeInTheDocument();
    const request = (fetchMock.mock.calls[0] as unknown as [Request])[0];
    expect(await request.json()).toEqual({ company: 'acme', email: 'ann@acme.example' });
  });

  it('says so when throttled', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => answer(429, { title: 'Too Many Requests', status: 429, detail: 'too many' })));
    renderWithProviders(<ForgotPasswordPage />, { route: '/forgot-password' });
    await userEvent.type(screen.getByLabelText(/Company/), 'acme');
    await userEvent.type(screen.getByLabelText(/Email/), 'ann@acme.example');
    await userEvent.click(screen.getByRole('button', { name: 'Mail me a link' }));
    expect(await screen.findByText(/Too many requests/)).toBeInTheDocument();
  });
});

describe('ResetPasswordPage', () => {
  it('reads the token from the fragment', () => {
    expect(tokenFrom(`#token=${TOKEN}`)).toBe(TOKEN);
    expect(tokenFrom('')).toBe('');
  });

  it('shows the estimator’s advice beside the field, then success', async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(
        answer(422, {
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'the new password is too easy to guess',
          errors: { new_password: ['This is a top-10 common password.'] },
        }),
      )
      .mockResolvedValueOnce(answer(204));
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<ResetPasswordPage />, { route: `/reset-password#token=${TOKEN}` });
    await userEvent.type(screen.getByLabelText(/New password/), 'password1');
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }));
    expect(await screen.findByText('This is a top-10 common password.')).toBeInTheDocument();
    const first = (fetchMock.mock.calls[0] as unknown as [Request])[0];
    expect(await first.json()).toEqual({ token: TOKEN, new_password: 'password1' });

    await userEvent.clear(screen.getByLabelText(/New password/));
    await userEvent.type(screen.getByLabelText(/New password/), 'violet tractor hums beside quiet lanterns');
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }));
    expect(await screen.findByText(/Your password is set/)).toBeInTheDocument();
  });

  it('offers a new link when this one is used or expired', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        answer(422, {
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'the request has invalid fields',
          errors: { token: ['this link is unknown, used or expired; ask for a new one'] },
        }),
      ),
    );
    renderWithProviders(<ResetPasswordPage />, { route: `/reset-password#token=${TOKEN}` });
    await userEvent.type(screen.getByLabelText(/New password/), 'violet tractor hums beside quiet lanterns');
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }));
    expect(await screen.findByText(/unknown, used or expired/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Ask for a new link' })).toBeInTheDocument();
  });

  it('without a token, says the link is incomplete', () => {
    renderWithProviders(<ResetPasswordPage />, { route: '/reset-password' });
    expect(screen.getByText(/This link is incomplete/)).toBeInTheDocument();
  });
});
