import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '@/test/render';
import { json, stubServer } from '@/test/server';
import { CreateCompanyLink } from './CreateCompanyLink';
import { SignupConfirmPage } from './SignupConfirmPage';
import { SignupPage } from './SignupPage';

const TOKEN = 'A'.repeat(43);
const STRONG = 'violet tractor hums beside quiet lanterns';
const open = () => json(200, { enabled: true });

async function fill({ slug = '' } = {}) {
  await userEvent.type(screen.getByLabelText(/Company name/), 'Harbor HVAC & Sons');
  if (slug) await userEvent.type(screen.getByLabelText(/Short name/), slug);
  await userEvent.type(screen.getByLabelText(/Your name/), 'Olga Owner');
  await userEvent.type(screen.getByLabelText(/Email/), 'olga@harbor.test');
  await userEvent.type(screen.getByLabelText(/^Password/), STRONG);
  await userEvent.click(screen.getByLabelText(/I accept the terms/));
}

const submit = () => userEvent.click(screen.getByRole('button', { name: 'Create the company' }));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('SignupPage', () => {
  it('shows the short name made of the company’s name, and its own errors beside the fields before sending', async () => {
    const calls = stubServer({ 'GET /api/v1/signup': open });
    renderWithProviders(<SignupPage />, { route: '/signup' });
    await userEvent.type(await screen.findByLabelText(/Company name/), 'Café Nord');
    expect(screen.getByLabelText(/Short name/)).toHaveAccessibleDescription(/Leave it empty to use “cafe-nord”/);

    await userEvent.type(screen.getByLabelText(/Short name/), 'Not ok!');
    await userEvent.type(screen.getByLabelText(/Email/), 'olga');
    await submit();
    expect(screen.getByLabelText(/Short name/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/Short name/)).toHaveAccessibleDescription(/Use lowercase letters, digits and hyphens/);
    expect(screen.getByLabelText(/Your name/)).toHaveAccessibleDescription('Enter your name');
    expect(screen.getByLabelText(/Email/)).toHaveAccessibleDescription(/Enter a valid email address/);
    expect(screen.getByLabelText(/^Password/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/I accept the terms/)).toHaveAccessibleDescription('Accept the terms to create your company');
    expect(screen.getByLabelText(/Company name/)).not.toHaveAttribute('aria-invalid');
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('puts the server’s 422 errors beside their fields, then says to check the mail', async () => {
    let answer = () =>
      json(422, {
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'the request has invalid fields',
        errors: { slug: ['this short name is taken; choose another'], password: ['Add another word or two.'] },
      });
    const calls = stubServer({ 'GET /api/v1/signup': open, 'POST /api/v1/signup': () => answer() });
    renderWithProviders(<SignupPage />, { route: '/signup' });
    await screen.findByLabelText(/Company name/);
    await fill({ slug: 'Harbor' });
    await submit();

    expect(await screen.findByText('this short name is taken; choose another')).toBeInTheDocument();
    expect(screen.getByLabelText(/Short name/)).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText(/^Password/)).toHaveAccessibleDescription(/Add another word or two\./);
    expect(screen.getByText('Please correct the highlighted fields.')).toBeInTheDocument();
    expect(calls.at(-1)?.body).toEqual({
      company_name: 'Harbor HVAC & Sons',
      slug: 'harbor',
      name: 'Olga Owner',
      email: 'olga@harbor.test',
      password: STRONG,
      accept_terms: true,
    });

    answer = () => json(202, { status: 'confirmation_sent' });
    await userEvent.clear(screen.getByLabelText(/Short name/));
    await submit();
    expect(await screen.findByRole('heading', { name: 'Check your email' })).toHaveFocus();
    expect(screen.getByText('olga@harbor.test')).toBeInTheDocument();
    expect(calls.at(-1)?.body).not.toHaveProperty('slug');
  });

  it('says when to try again after too many sign-ups', async () => {
    stubServer({
      'GET /api/v1/signup': open,
      'POST /api/v1/signup': () =>
        new Response(JSON.stringify({ title: 'Too Many Requests', status: 429, detail: 'too many attempts; wait before trying again' }), {
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '600' },
        }),
    });
    renderWithProviders(<SignupPage />, { route: '/signup' });
    await screen.findByLabelText(/Company name/);
    await fill();
    await submit();
    expect(await screen.findByText('Too many sign-ups from here. Try again in 10 minutes.')).toBeInTheDocument();
  });

  it('says sign-up is turned off, up front or when the server refuses', async () => {
    stubServer({ 'GET /api/v1/signup': () => json(200, { enabled: false }) });
    renderWithProviders(<SignupPage />, { route: '/signup' });
    expect(await screen.findByText(/Sign-up is turned off on this server/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create the company' })).not.toBeInTheDocument();
    cleanup();

    stubServer({
      'GET /api/v1/signup': open,
      'POST /api/v1/signup': () => json(403, { title: 'Forbidden', status: 403, detail: 'self-service sign-up is turned off' }),
    });
    renderWithProviders(<SignupPage />, { route: '/signup' });
    await screen.findByLabelText(/Company name/);
    await fill();
    await submit();
    expect(await screen.findByText(/Sign-up is turned off on this server/)).toBeInTheDocument();
  });
});

describe('SignupConfirmPage', () => {
  const confirmed = (existing_account: boolean) =>
    json(201, { company_slug: 'harbor-hvac', company_name: 'Harbor HVAC', company_color: '#0f766e', email: 'olga@harbor.test', existing_account });

  it('creates the company once, and offers to sign in to it with the company and email filled in', async () => {
    const calls = stubServer({ 'POST /api/v1/signup/confirm': () => confirmed(false) });
    renderWithProviders(<SignupConfirmPage />, { route: `/signup/confirm#token=${TOKEN}` });
    expect(await screen.findByText(/is ready/)).toHaveTextContent('Your company Harbor HVAC is ready.');
    expect(screen.getByText(/with the password you chose/)).toBeInTheDocument();
    expect(screen.getByText(/Its short name is/)).toHaveTextContent('Its short name is harbor-hvac');
    expect(screen.getByRole('link', { name: 'Sign in to Harbor HVAC' })).toHaveAttribute(
      'href',
      '/login?company=harbor-hvac&email=olga%40harbor.test',
    );
    expect(calls).toEqual([{ method: 'POST', path: '/api/v1/signup/confirm', body: { token: TOKEN }, ifMatch: null }]);
  });

  it('tells a person who already uses FieldOps which password to sign in with', async () => {
    stubServer({ 'POST /api/v1/signup/confirm': () => confirmed(true) });
    renderWithProviders(<SignupConfirmPage />, { route: `/signup/confirm#token=${TOKEN}` });
    expect(await screen.findByText(/sign in with the password you already use for FieldOps/)).toBeInTheDocument();
  });

  it('says when the link is unknown, used or expired, or incomplete', async () => {
    stubServer({
      'POST /api/v1/signup/confirm': () =>
        json(422, { title: 'Unprocessable Entity', status: 422, detail: 'x', errors: { token: ['this link is unknown, used or expired'] } }),
    });
    renderWithProviders(<SignupConfirmPage />, { route: `/signup/confirm#token=${TOKEN}` });
    expect(await screen.findByText('This link is unknown, used, replaced by a newer one or expired.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign up again' })).toHaveAttribute('href', '/signup');
    cleanup();

    const calls = stubServer({});
    renderWithProviders(<SignupConfirmPage />, { route: '/signup/confirm' });
    expect(screen.getByText(/This link is incomplete/)).toBeInTheDocument();
    expect(calls).toEqual([]);
  });
});

describe('CreateCompanyLink', () => {
  it('shows only where the server takes sign-ups', async () => {
    stubServer({ 'GET /api/v1/signup': open });
    renderWithProviders(<CreateCompanyLink />);
    expect(await screen.findByRole('link', { name: 'Create a company' })).toHaveAttribute('href', '/signup');
    cleanup();

    const calls = stubServer({ 'GET /api/v1/signup': () => json(200, { enabled: false }) });
    const { queryClient } = renderWithProviders(<CreateCompanyLink />);
    await waitFor(() => expect(queryClient.getQueryState(['signup-open'])?.status).toBe('success'));
    expect(calls).toHaveLength(1);
    expect(screen.queryByRole('link', { name: 'Create a company' })).not.toBeInTheDocument();
  });
});
