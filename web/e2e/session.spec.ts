import { expect, test } from '@playwright/test';
import { expectAccessible, logins, shot, signIn, MOBILE } from './helpers';

test('login page: errors, accessibility, and each role lands on its surface', async ({ page }) => {
  await page.goto('/admin/jobs');
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fjobs/);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The company is optional (a person of several companies chooses after).
  await expect(page.getByText('Enter your email')).toBeVisible();
  await expectAccessible(page, 'login with errors');
  await page.getByLabel('Company').fill('acme');
  await page.getByLabel('Email').fill('admin@acme.example');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Company, email or password is incorrect.')).toBeVisible();
  await page.reload();
  await expectAccessible(page, 'login');
  await shot(page, 'login-desktop');
  await page.setViewportSize(MOBILE);
  await shot(page, 'login-mobile');
});

test('tokens: nothing in web storage, refresh cookie is HttpOnly, reload keeps the session, logout ends it', async ({ page, context }) => {
  await signIn(page, logins.acmeAdmin);
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
  expect(storage).toEqual({ local: 0, session: 0, cookie: '' });
  const cookies = await context.cookies();
  const refresh = cookies.find((c) => c.name === 'fieldops_refresh');
  expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });

  // A reload forgets the access token; the cookie brings the session back.
  await page.goto('/admin/customers');
  await expect(page.getByRole('heading', { name: 'Customers' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect((await context.cookies()).find((c) => c.name === 'fieldops_refresh')).toBeUndefined();
  await page.goto('/admin/jobs');
  await expect(page).toHaveURL(/\/login/);
});

test('a 401 triggers one refresh and a retry; when refresh fails, back to login', async ({ page }) => {
  await signIn(page, logins.acmeAdmin);
  await expect(page.getByRole('table')).toBeVisible();

  // The next customers call answers 401 once (as if the access token expired).
  let refreshes = 0;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/auth/refresh')) refreshes += 1;
  });
  let failed = false;
  await page.route(/\/api\/v1\/customers(\?|$)/, async (route) => {
    if (!failed) {
      failed = true;
      return route.fulfill({ status: 401, contentType: 'application/problem+json', body: '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"expired"}' });
    }
    return route.continue();
  });
  await page.getByRole('link', { name: 'Customers' }).click();
  await expect(page.getByRole('table', { name: 'Customers' })).toBeVisible();
  expect(failed).toBe(true);
  expect(refreshes).toBe(1);
  await page.unroute(/\/api\/v1\/customers(\?|$)/);

  // Now the refresh fails too: the person is sent to login, told why.
  await page.route(/\/api\/v1\/users(\?|$)/, (route) =>
    route.fulfill({ status: 401, contentType: 'application/problem+json', body: '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"expired"}' }),
  );
  await page.route('**/api/v1/auth/refresh', (route) =>
    route.fulfill({ status: 401, contentType: 'application/problem+json', body: '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no"}' }),
  );
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers&expired=1/);
  await expect(page.getByText('Your session has ended. Please sign in again.')).toBeVisible();
});

test('each demo role lands on its own surface', async ({ page }) => {
  for (const [who, surface] of [
    [logins.acmeAdmin, /\/admin\/jobs$/],
    [logins.wendy, /\/worker$/],
    [logins.riverside, /\/portal$/],
  ] as const) {
    await signIn(page, who);
    await expect(page).toHaveURL(surface);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login$/);
  }
});
