import { expect, test } from '@playwright/test';
import { RUN, expectAccessible, mailedLink, shot } from './helpers';

test('a new company signs up, confirms from the mail, and its owner starts with none of the demo companies’ data', async ({ page }) => {
  test.skip(!process.env.E2E_MAIL_DIR, 'needs E2E_MAIL_DIR, the server’s MAIL_DIR (scripts/test/test-web.sh sets both)');
  const company = `Harbor HVAC ${RUN}`;
  const slug = `harbor-hvac-${RUN}`;
  const email = `owner-${RUN}@harbor.example`;
  const strong = 'violet tractor hums beside quiet lanterns';

  await page.goto('/login');
  await page.getByRole('link', { name: 'Create a company' }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByRole('heading', { name: 'Create your company' })).toBeVisible();
  await expectAccessible(page, 'sign-up');
  await shot(page, 'signup-desktop');

  // No short name typed: the hint shows the one made of the company's name.
  await page.getByLabel('Company name').fill(company);
  await expect(page.getByText(`Leave it empty to use “${slug}”.`)).toBeVisible();
  await page.getByLabel('Your name').fill('Olga Owner');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('password1');
  await page.getByLabel('I accept the terms of service').check();
  await page.getByRole('button', { name: 'Create the company' }).click();
  // The server's estimator finds it too easy to guess, and says so beside it.
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'sign-up with the server’s advice');
  await page.getByLabel('Password').fill(strong);
  await page.getByRole('button', { name: 'Create the company' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();

  const link = new URL(await mailedLink(email, /https?:\/\/\S+\/signup\/confirm#token=[A-Za-z0-9_-]+/));
  await page.goto(link.pathname + link.hash);
  await expect(page.getByText(`Your company ${company} is ready.`)).toBeVisible();
  await expectAccessible(page, 'sign-up confirmed');
  await page.getByRole('link', { name: `Sign in to ${company}` }).click();

  // The login page has the company and email from the link; only the password is left.
  await expect(page.getByLabel('Company')).toHaveValue(slug);
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await page.getByLabel('Password').fill(strong);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  await expect(page.getByTestId('company-name')).toHaveText(company);
  await expect(page.getByTestId('company-role')).toHaveText('— Admin');

  // A company of its own: empty, with nothing of Acme's or Bolt's.
  await expect(page.getByText('No jobs yet')).toBeVisible();
  await page.getByRole('link', { name: 'Customers' }).click();
  await expect(page.getByText('No customers yet')).toBeVisible();
  await expect(page.getByText(/Acme|Bolt/)).toHaveCount(0);

  // The link made the company once; opened again, it says so.
  await page.goto(link.pathname + link.hash);
  await expect(page.getByText('This link is unknown, used, replaced by a newer one or expired.')).toBeVisible();
});
