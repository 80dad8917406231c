import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { fragmentValue } from '@/components/ui/LinkPage';
import { RegisterPage } from './RegisterPage';
import { EmailConfirmPage } from './EmailConfirmPage';
import { UnsubscribePage } from './UnsubscribePage';
import { VerifyPage } from './VerifyPage';

const TOKEN = 'A'.repeat(64);
const STRONG = 'violet tractor hums beside quiet lanterns';

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

const page = (mode: string) => json(200, { company_name: 'Acme Plumbing', color: '#0a7f3c', registration_mode: mode });

function renderRegister(route: string) {
  return renderWithProviders(
    <Routes>
      <Route path="/p/:slug" element={<RegisterPage />} />
      <Route path="/p/:slug/register" element={<RegisterPage />} />
    </Routes>,
    { route },
  );
}

async function fill(password: string) {
  await userEvent.type(screen.getByLabelText(/Your name/), 'Rita');
  await userEvent.type(screen.getByLabelText(/Email/), 'rita@home.test');
  await userEvent.type(screen.getByLabelText(/^Password/), password);
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('RegisterPage', () => {
  it('reads values from the fragment', () => {
    expect(fragmentValue(`#invitation=${TOKEN}`, 'invitation')).toBe(TOKEN);
    expect(fragmentValue('', 'token')).toBe('');
  });

  it('needs the terms, shows the estimator’s advice beside the password, then asks to check the mail', async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(page('open'))
      .mockResolvedValueOnce(
        json(422, {
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'the password is too easy to guess',
          errors: { password: ['This is a top-10 common password.'] },
        }),
      )
      .mockResolvedValueOnce(json(202, { status: 'verification_sent' }));
    vi.stubGlobal('fetch', fetchMock);
    renderRegister('/p/acme');
    expect(await screen.findByRole('heading', { name: 'Acme Plumbing' })).toBeInTheDocument();

    await fill('password1');
    await userEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByText('Accept the terms to register')).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(1);

    await userEvent.click(screen.getByLabelText(/I accept the terms/));
    await userEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByText('This is a top-10 common password.')).toBeInTheDocument();
    const sent = (fetchMock.mock.calls[1] as unknown as [Request])[0];
    expect(sent.url).toMatch(/\/api\/v1\/portal\/acme\/register$/);
    expect(await sent.json()).toEqual({
      name: 'Rita',
      email: 'rita@home.test',
      phone: null,
      address: null,
      password: 'password1',
      accept_terms: true,
      website: null,
      invitation: null,
    });

    await userEvent.clear(screen.getByLabelText(/^Password/));
    await userEvent.type(screen.getByLabelText(/^Password/), STRONG);
    await userEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByText(/Check your mail/)).toBeInTheDocument();
  });

  it('says a portal by invitation only is closed, and opens it with an invitation', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => page('invitation')));
    renderRegister('/p/acme');
    expect(await screen.findByText(/by invitation only/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Register' })).not.toBeInTheDocument();
    cleanup();

    const fetchMock = vi.fn().mockResolvedValueOnce(page('invitation')).mockResolvedValueOnce(json(201, { status: 'registered' }));
    vi.stubGlobal('fetch', fetchMock);
    renderRegister(`/p/acme/register#invitation=${TOKEN}`);
    await screen.findByRole('heading', { name: 'Acme Plumbing' });
    await fill(STRONG);
    await userEvent.click(screen.getByLabelText(/I accept the terms/));
    await userEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByText(/Your account is ready/)).toBeInTheDocument();
    const sent = (fetchMock.mock.calls[1] as unknown as [Request])[0];
    expect((await sent.json()).invitation).toBe(TOKEN);
  });

  it('says when there is no portal at the address', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(404, { title: 'Not Found', status: 404, detail: 'no such resource' })));
    renderRegister('/p/nobody');
    expect(await screen.findByText(/no portal at this address/)).toBeInTheDocument();
  });
});

describe('VerifyPage', () => {
  it('confirms the link once and says what comes next', async () => {
    const fetchMock = vi.fn(async () => json(200, { state: 'pending' }));
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<VerifyPage />, { route: `/p/acme/verify#token=${TOKEN}` });
    expect(await screen.findByText(/approves new accounts first/)).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const sent = (fetchMock.mock.calls[0] as unknown as [Request])[0];
    expect(await sent.json()).toEqual({ token: TOKEN });
  });

  it('offers sign-in once approved, and says when a link is spent', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { state: 'approved' })));
    renderWithProviders(<VerifyPage />, { route: `/p/acme/verify#token=${TOKEN}` });
    expect(await screen.findByRole('link', { name: 'Sign in' })).toBeInTheDocument();
    cleanup();
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(422, { title: 'Unprocessable Entity', status: 422, detail: 'x', errors: { token: ['used'] } })),
    );
    renderWithProviders(<VerifyPage />, { route: `/p/acme/verify#token=${TOKEN}` });
    expect(await screen.findByText(/unknown, used or expired/)).toBeInTheDocument();
  });
});

describe('UnsubscribePage', () => {
  it('spends the link once, for the company in the address, without a session', async () => {
    const fetchMock = vi.fn(async () => json(200, { mail_notifications: false }));
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(
      <Routes>
        <Route path="/p/:slug/unsubscribe" element={<UnsubscribePage />} />
      </Routes>,
      { route: `/p/acme/unsubscribe#token=${TOKEN}` },
    );
    expect(await screen.findByText(/no more notification mails/)).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const sent = (fetchMock.mock.calls[0] as unknown as [Request])[0];
    expect(new URL(sent.url).pathname).toBe('/api/v1/portal/acme/unsubscribe');
    expect(await sent.json()).toEqual({ token: TOKEN });
  });
});

describe('EmailConfirmPage', () => {
  it('confirms the new email once, and says when the link is spent', async () => {
    const fetchMock = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetchMock);
    renderWithProviders(<EmailConfirmPage />, { route: `/p/acme/email#token=${TOKEN}` });
    expect(await screen.findByText(/new email is confirmed/)).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const sent = (fetchMock.mock.calls[0] as unknown as [Request])[0];
    expect(await sent.json()).toEqual({ token: TOKEN });
    cleanup();
    vi.stubGlobal('fetch', vi.fn(async () => json(422, { title: 'Invalid', status: 422, detail: 'x', errors: { token: ['used'] } })));
    renderWithProviders(<EmailConfirmPage />, { route: `/p/acme/email#token=${TOKEN}` });
    expect(await screen.findByText(/unknown, used or expired/)).toBeInTheDocument();
  });
});
