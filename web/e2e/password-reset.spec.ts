import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Api, expectAccessible, logins, PASSWORD, RUN } from './helpers';

// Where the server writes its mail (MAIL_DIR of scripts/test/test-web.sh: no
// SMTP server there, so each mail is an .eml file).
const MAIL_DIR = process.env.E2E_MAIL_DIR;

/** The reset link of the newest mail to `to`, once it is written. */
async function resetLinkFor(to: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const files = MAIL_DIR ? readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml')).sort() : [];
        for (const file of files.reverse()) {
          // Quoted-printable: soft line breaks and =XX escapes.
          const text = readFileSync(join(MAIL_DIR as string, file), 'utf8')
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
          if (!text.includes(`To: ${to}`)) continue;
          link = text.match(/https?:\/\/\S+\/reset-password#token=[A-Za-z0-9_-]+/)?.[0];
          if (link) return true;
        }
        return false;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return link as string;
}

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
