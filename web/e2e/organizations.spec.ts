import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, RUN, expectAccessible, logins, mailedLink, shot, signIn } from './helpers';

// The demo's office manager is an admin of both demo companies
// (src/cli/seed.rs, docs/organizations.md).
const MORGAN = 'morgan@office.example';
const ACME = { name: 'Acme Plumbing', color: 'rgb(15, 118, 110)' }; // #0f766e
const BOLT = { name: 'Bolt Electric', color: 'rgb(180, 83, 9)' }; // #b45309

const topbar = (page: Page) => page.locator('header.topbar');

/** The ids of the jobs the admin's job list shows. */
async function listedJobs(page: Page): Promise<string[]> {
  await expect(page.getByRole('table')).toBeVisible();
  const hrefs = await page.locator('table a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  return hrefs.filter((h) => h.includes('/admin/jobs/')).map((h) => h.split('/').pop() ?? '');
}

test('a person of two companies signs in once, switches, and sees the other company only', async ({ page }) => {
  // Without a company: the first time the page asks which; once one was
  // used, it goes straight back into it.
  await page.goto('/login');
  await page.getByLabel('Email').fill(MORGAN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const choose = page.getByRole('heading', { name: 'Choose a company' });
  await expect(choose.or(page.getByTestId('company-name'))).toBeVisible();
  if (await choose.isVisible()) {
    await expectAccessible(page, 'choose a company');
    await shot(page, 'choose-company');
    await page.getByRole('button', { name: `${ACME.name} — Admin` }).click();
  }
  const switcher = page.getByLabel('Switch company');
  await expect(page.getByTestId('company-name')).toBeVisible();
  if ((await page.getByTestId('company-name').textContent()) !== ACME.name) {
    await switcher.selectOption('acme');
  }

  await expect(page.getByTestId('company-name')).toHaveText(ACME.name);
  await expect(page.getByTestId('company-role')).toHaveText('— Admin');
  await expect(topbar(page)).toHaveCSS('background-color', ACME.color);
  await expect(switcher).toHaveValue('acme');
  const acmeJobs = await listedJobs(page);
  expect(acmeJobs.length).toBeGreaterThan(0);
  await expectAccessible(page, 'the header with the company switcher');

  // By keyboard, as anyone may: focus the switcher and pick the other company.
  await switcher.focus();
  await switcher.selectOption('bolt');
  await expect(page.getByTestId('company-name')).toHaveText(BOLT.name);
  await expect(topbar(page)).toHaveCSS('background-color', BOLT.color);
  await expect(switcher).toHaveValue('bolt');
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  const boltJobs = await listedJobs(page);
  expect(boltJobs.length).toBeGreaterThan(0);
  expect(boltJobs.filter((id) => acmeJobs.includes(id))).toEqual([]);
  await shot(page, 'switched-to-bolt');

  // Acme's job is not found from Bolt, and a reload stays in Bolt (the
  // switch's session holds the refresh cookie).
  await page.goto(`/admin/jobs/${acmeJobs[0]}`);
  await expect(page.getByText('Not found')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('company-name')).toHaveText(BOLT.name);

  // And back.
  await page.getByLabel('Switch company').selectOption('acme');
  await expect(page.getByTestId('company-name')).toHaveText(ACME.name);
  await expect(topbar(page)).toHaveCSS('background-color', ACME.color);
  expect(await listedJobs(page)).toEqual(acmeJobs);
});

test('an admin invites a new person, who accepts from the mail and lands in the company', async ({ page }) => {
  test.skip(!process.env.E2E_MAIL_DIR, 'needs E2E_MAIL_DIR, the server’s MAIL_DIR (scripts/test/test-web.sh sets both)');
  const email = `invited-${RUN}@people.example`;
  await signIn(page, logins.acmeAdmin);
  await page.getByRole('link', { name: 'Invitations' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption('WORKER');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  const pending = page.getByRole('list', { name: 'Pending invitations' });
  await expect(pending).toContainText(email);
  await expectAccessible(page, 'invitations');
  await shot(page, 'admin-invitations-desktop');
  await page.getByRole('button', { name: 'Sign out' }).click();

  const link = new URL(await mailedLink(email, /https?:\/\/\S+\/invitations\/accept#token=[A-Za-z0-9_-]+/));
  await page.goto(link.pathname + link.hash);
  await expect(page.getByText(`invites ${email}`)).toBeVisible();
  await expectAccessible(page, 'accept an invitation');
  await page.getByLabel('Your name').fill('Ivy Invited');
  await page.getByLabel('Choose a password').fill('violet tractor hums beside quiet lanterns');
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(page).toHaveURL(/\/worker$/);
  await expect(page.getByTestId('company-name')).toHaveText(ACME.name);
  // The invitation gave the field kind's default role: the header names it.
  await expect(page.getByTestId('company-role')).toHaveText('— Worker');
});
