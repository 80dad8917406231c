import { expect, test, type Page } from '@playwright/test';
import { Api, RUN, TAG, expectAccessible, logins, mailedLink, shot, signIn } from './helpers';

// Issue #15's story, for a person FieldOps has never seen, in two browsers
// (the admins' and the person's): invited to Acme, accepts; invited to Bolt,
// accepts signed in; switches both ways; acting in Bolt sees nothing of Acme;
// Bolt removes them and their next step in Bolt ends at the sign-in page,
// while Acme still lets them in (docs/organizations.md).
const ACME = { name: 'Acme Plumbing', color: 'rgb(15, 118, 110)' }; // #0f766e
const BOLT = { name: 'Bolt Electric', color: 'rgb(180, 83, 9)' }; // #b45309
const THEIR_PASSWORD = 'violet tractor hums beside quiet lanterns';
const LINK = String.raw`https?:\/\/\S+\/invitations\/accept#token=`;
const INVITATION = new RegExp(`${LINK}[A-Za-z0-9_-]+`);

const topbar = (page: Page) => page.locator('header.topbar');

/** The header says which company, which role there, on that company's colour. */
async function expectActingIn(page: Page, company: { name: string; color: string }, role: string) {
  await expect(page.getByTestId('company-name')).toHaveText(company.name);
  await expect(page.getByTestId('company-role')).toHaveText(`— ${role}`);
  await expect(topbar(page)).toHaveCSS('background-color', company.color);
}

/** The ids of the jobs an admin's job list shows. */
async function listedJobs(page: Page): Promise<string[]> {
  await expect(page.getByRole('table', { name: 'Jobs' })).toBeVisible();
  const hrefs = await page.locator('table a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  return hrefs.filter((h) => h.includes('/admin/jobs/')).map((h) => h.split('/').pop() ?? '');
}

/** An admin invites `email` from the Invitations page. */
async function invite(page: Page, email: string, role: 'WORKER' | 'ADMIN') {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Pending invitations' })).toContainText(email);
}

/** Opens a mailed link in the app (the token stays in the fragment). */
async function open(page: Page, link: string) {
  const url = new URL(link);
  await page.goto(url.pathname + url.hash);
}

test('a new person: invited to Acme and Bolt, switches, sees only the company acted in, and loses Bolt at once when removed', async ({ page, browser, request }) => {
  test.skip(!process.env.E2E_MAIL_DIR, 'needs E2E_MAIL_DIR, the server’s MAIL_DIR (scripts/test/test-web.sh sets both)');
  const email = `lifecycle-${RUN}@people.example`;
  const name = `Lee Lifecycle${TAG}`;
  const admins = page;
  const personContext = await browser.newContext();
  const person = await personContext.newPage();

  // 1. Acme's admin invites a field worker; what Acme's job list holds is
  //    what the person must never see from Bolt.
  await signIn(admins, logins.acmeAdmin);
  const acmeJobs = await listedJobs(admins);
  expect(acmeJobs.length).toBeGreaterThan(0);
  await invite(admins, email, 'WORKER');
  await admins.getByRole('button', { name: 'Sign out' }).click();
  await expect(admins).toHaveURL(/\/login$/);

  // The person opens the mail, chooses a name and a password, and is in Acme.
  const acmeLink = await mailedLink(email, INVITATION);
  await open(person, acmeLink);
  await expect(person.getByText(`${ACME.name} invites ${email} to work with them as a field worker.`)).toBeVisible();
  await person.getByLabel('Your name').fill(name);
  await person.getByLabel('Choose a password').fill(THEIR_PASSWORD);
  await person.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(person).toHaveURL(/\/worker$/);
  await expectActingIn(person, ACME, 'Worker');
  // One company: nothing to switch to yet.
  await expect(person.getByRole('heading', { name: 'My jobs' })).toBeVisible();
  await expect(person.getByLabel('Switch company')).toHaveCount(0);

  // Acme gives the new worker a job; the person's list shows it, by its id.
  const acme = await Api.as(request, logins.acmeAdmin);
  const acmeJob = await acme.createJob({
    customer_id: await acme.customerId('Riverside Cafe'),
    title: `Lifecycle leak under the sink${TAG}`,
    assigned_worker_id: await acme.userId(email),
  });
  await person.reload();
  const jobCard = person.getByRole('link', { name: new RegExp(acmeJob.title) });
  await expect(jobCard).toHaveAttribute('href', `/worker/jobs/${acmeJob.id}`);

  // 2. Bolt's admin invites the same address as an admin.
  await signIn(admins, logins.boltAdmin);
  await expectActingIn(admins, BOLT, 'Admin');
  await invite(admins, email, 'ADMIN');

  // Still signed in to Acme, the person accepts as themselves: no password asked.
  // Its mail is the one whose link is not Acme's (mail files are named by
  // the second, so their order alone could tie).
  const acmeToken = new URL(acmeLink).hash.replace('#token=', '');
  const boltLink = await mailedLink(email, new RegExp(`${LINK}(?!${acmeToken}(?![A-Za-z0-9_-]))[A-Za-z0-9_-]+`));
  expect(boltLink).not.toBe(acmeLink);
  await open(person, boltLink);
  await expect(person.getByText(`${BOLT.name} invites ${email} to work with them as an admin.`)).toBeVisible();
  await expect(person.getByText(`You are signed in as ${name}: accepting adds this company to yours.`)).toBeVisible();
  await expect(person.getByLabel(/password/i)).toHaveCount(0);
  await expectAccessible(person, 'accepting an invitation signed in');
  await person.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(person).toHaveURL(/\/admin\/jobs$/);
  await expectActingIn(person, BOLT, 'Admin');
  const switcher = person.getByLabel('Switch company');
  await expect(switcher).toHaveValue('bolt');

  // 3. Switching changes the name, the role and the colour, each way.
  await switcher.selectOption('acme');
  await expect(person).toHaveURL(/\/worker$/);
  await expectActingIn(person, ACME, 'Worker');
  await expect(switcher).toHaveValue('acme');
  await expect(jobCard).toBeVisible();
  await expectAccessible(person, 'the worker’s header with the company switcher');
  await shot(person, 'membership-lifecycle-switched-to-acme');

  await switcher.selectOption('bolt');
  await expect(person).toHaveURL(/\/admin\/jobs$/);
  await expectActingIn(person, BOLT, 'Admin');
  await expect(switcher).toHaveValue('bolt');
  await shot(person, 'membership-lifecycle-switched-to-bolt');

  // 4. Acting in Bolt, nothing of Acme: not in the list, not by search, not by id.
  const boltJobs = await listedJobs(person);
  expect(boltJobs.length).toBeGreaterThan(0);
  expect(boltJobs.filter((id) => acmeJobs.includes(id) || id === acmeJob.id)).toEqual([]);
  await person.getByLabel('Search').fill(acmeJob.title);
  await expect(person.getByText('No jobs match')).toBeVisible();
  await person.goto(`/admin/jobs/${acmeJob.id}`);
  await expect(person.getByText('Not found')).toBeVisible();
  await expectActingIn(person, BOLT, 'Admin');
  await expect(person.getByText(acmeJob.title)).toHaveCount(0);
  await person.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await person.getByLabel('Search').fill('wendy@acme.example');
  await expect(person.getByText('No users match')).toBeVisible();

  // 5. Bolt's admin removes the person from Bolt.
  await admins.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await admins.getByLabel('Search').fill(email);
  await expect(admins.getByRole('row', { name: new RegExp(email) })).toContainText('Admin');
  await admins.getByRole('button', { name: `Delete ${name}` }).click();
  const confirm = admins.getByRole('dialog', { name: `Delete ${name}?` });
  await confirm.getByRole('button', { name: 'Delete user' }).click();
  await expect(confirm).toBeHidden();
  await expect(admins.getByText('No users match')).toBeVisible();

  // The person's very next step in Bolt ends the session: the sign-in page says so.
  await person.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click();
  await expect(person).toHaveURL(/\/login\?next=%2Fadmin%2Fcustomers&expired=1$/);
  await expect(person.getByText('Your session has ended. Please sign in again.')).toBeVisible();
  await expectAccessible(person, 'signed out after removal');
  // A reload does not bring Bolt back, nor does signing in to Bolt.
  await person.goto('/admin/jobs');
  await expect(person).toHaveURL(/\/login/);
  await person.getByLabel('Company').fill('bolt');
  await person.getByLabel('Email').fill(email);
  await person.getByLabel('Password').fill(THEIR_PASSWORD);
  await person.getByRole('button', { name: 'Sign in' }).click();
  await expect(person.getByText('Company, email or password is incorrect.')).toBeVisible();

  // Acme is untouched: without naming a company, the one left opens.
  await person.getByLabel('Company').fill('');
  await person.getByLabel('Email').fill(email);
  await person.getByLabel('Password').fill(THEIR_PASSWORD);
  await person.getByRole('button', { name: 'Sign in' }).click();
  await expect(person).toHaveURL(/\/worker$/);
  await expectActingIn(person, ACME, 'Worker');
  await expect(jobCard).toBeVisible();
  await expect(person.getByLabel('Switch company')).toHaveCount(0);
  await personContext.close();
});
