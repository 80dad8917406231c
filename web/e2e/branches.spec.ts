import { expect, test } from '@playwright/test';
import { Api, RUN, TAG, expectAccessible, logins, shot, signIn } from './helpers';

// Branches (docs/organizations.md, "Branches"): the database keeps a member
// scoped to North away from South's jobs; the web app only shows it.
const NORTH = `North${TAG}`;
const SOUTH = `South${TAG}`;
const DISPATCHER = `north-dispatcher-${RUN}@acme.example`;
const DISPATCHER_PASSWORD = 'violet tractor hums beside quiet lanterns';

test('a North dispatcher sees North’s job only, and South’s job is not found', async ({ page, request }) => {
  // The company-wide admin makes both branches on the settings page.
  await signIn(page, logins.acmeAdmin);
  await page.getByRole('link', { name: 'Branches' }).click();
  await expect(page.getByRole('heading', { name: 'Branches', level: 1 })).toBeVisible();
  for (const [name, color] of [
    [NORTH, '#2563eb'],
    [SOUTH, '#dc2626'],
  ] as const) {
    await page.getByRole('button', { name: 'New branch' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Address').fill(`${name} Road 1`);
    await page.getByRole('button', { name: `Color ${color}` }).click();
    await page.getByRole('button', { name: 'Create branch' }).click();
    await expect(page.getByTestId('branch-row').filter({ hasText: name })).toBeVisible();
  }
  await expectAccessible(page, 'branches');
  await shot(page, 'admin-branches');

  // A job in each, and a dispatcher-style member: an ADMIN membership scoped to North.
  const admin = await Api.as(request, logins.acmeAdmin);
  const branches: { id: string; name: string }[] = await admin.call('GET', '/branches');
  const north = branches.find((b) => b.name === NORTH)!.id;
  const south = branches.find((b) => b.name === SOUTH)!.id;
  const customer = await admin.call('POST', '/customers', { name: `Branch customer${TAG}`, allow_duplicate: true });
  const northJob = await admin.call('POST', '/jobs', { customer_id: customer.id, title: `North boiler${TAG}`, branch_id: north });
  const southJob = await admin.call('POST', '/jobs', { customer_id: customer.id, title: `South boiler${TAG}`, branch_id: south });
  await admin.call('POST', '/users', {
    name: `North dispatcher ${RUN}`,
    email: DISPATCHER,
    password: DISPATCHER_PASSWORD,
    role: 'ADMIN',
    branch_id: north,
  });

  // The company-wide admin filters the jobs list by branch.
  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.getByLabel('Branch').selectOption({ label: SOUTH });
  await expect(page.getByRole('link', { name: `South boiler${TAG}` })).toBeVisible();
  await expect(page.getByRole('link', { name: `North boiler${TAG}` })).toHaveCount(0);

  // The dispatcher signs in: North's job, not South's, and the branch in the header.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto('/login');
  await page.getByLabel('Company').fill('acme');
  await page.getByLabel('Email').fill(DISPATCHER);
  await page.getByLabel('Password').fill(DISPATCHER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('company-branch')).toHaveText(`· ${NORTH}`);
  await expect(page.getByRole('link', { name: `North boiler${TAG}` })).toBeVisible();
  await expect(page.getByRole('link', { name: `South boiler${TAG}` })).toHaveCount(0);
  await expectAccessible(page, 'a branch-scoped member’s jobs');
  await shot(page, 'branch-scoped-jobs');

  await page.goto(`/admin/jobs/${southJob.id}`);
  await expect(page.getByText('Not found')).toBeVisible();
  await page.goto(`/admin/jobs/${northJob.id}`);
  await expect(page.getByRole('heading', { name: `North boiler${TAG}`, level: 1 })).toBeVisible();
});
