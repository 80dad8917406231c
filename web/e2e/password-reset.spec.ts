import { expect, test } from '@playwright/test';
import { Api, expectAccessible, logins, mailedLink, PASSWORD, RUN } from './helpers';

// Where the server writes its mail (MAIL_DIR of scripts/test/test-web.sh: no
// SMTP server there, so each mail is an .eml file).
const MAIL_DIR = process.env.E2E_MAIL_DIR;

/** The reset link of the newest mail to `to`, once it is written. */
const resetLinkFor = (to: string) => mailedLink(to, /https?:\/\/\S+\/reset-password#token=[A-Za-z0-9_-]+/);

test('password reset: forgot-password link, the mailed link, a weak then a strong password, sign in with it', async ({ page, request }) => {
  test.skip(!MAIL_DIR, 'needs E2E_MAIL_DIR, the server’s MAIL_DIR (scripts/test/test-web.sh sets both)');
  // A login of its own: the other specs keep the demo passwords.
  const email = `reset-${RUN}@bolt.example`;
  const admin = await Api.as(request, logins.boltAdmin);
  await admin.call('POST', '/users', { name: 'Reset Tester', email, password: PASSWORD, role: 'WORKER' });

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Company').fill('bolt');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Mail me a link' }).click();
  await expect(page.getByText(/If an account matches/)).toBeVisible();
  await expectAccessible(page, 'forgot password');

  const link = new URL(await resetLinkFor(email));
  await page.goto(link.pathname + link.hash);
  await page.getByLabel('New password').fill('password1');
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByLabel('New password')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'reset password with advice');
  const strong = 'violet tractor hums beside quiet lanterns';
  await page.getByLabel('New password').fill(strong);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByText(/Your password is set/)).toBeVisible();

  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Company').fill('bolt');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(strong);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/worker$/);
});
