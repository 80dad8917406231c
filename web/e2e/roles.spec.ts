import { expect, test, type Page } from '@playwright/test';
import { Api, PASSWORD, RUN, TAG, expectAccessible, logins, shot, signIn } from './helpers';

// Issue #15: a role made in the permission matrix is what its member may do,
// and a permission taken away ends at the member's next action.
test('admin makes a Night dispatcher in the matrix; its member assigns jobs but manages no one, until jobs.assign goes', async ({ page, browser, request }) => {
  const role = `Night dispatcher${TAG}`;
  const email = `night-${RUN}@acme.example`;
  const admin = await Api.as(request, logins.acmeAdmin);
  const job = await admin.createJob({ customer_id: await admin.customerId('Riverside Cafe'), title: `Night call-out${TAG}` });

  await signIn(page, logins.acmeAdmin);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click();
  await expect(page.getByRole('heading', { name: 'Roles', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'New role' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(role);
  await dialog.getByLabel('Kind').selectOption('ADMIN');
  await dialog.getByRole('button', { name: 'Create role' }).click();
  await expect(dialog).toBeHidden();

  const office = page.getByRole('table', { name: 'Office roles: permissions by role' });
  await expect(office.getByRole('columnheader', { name: new RegExp(`^${role} 0 members`) })).toBeVisible();
  for (const permission of ['jobs.read', 'jobs.write', 'jobs.assign', 'customers.read']) {
    await office.getByLabel(`${role}: ${permission}`).check();
  }
  await page.getByRole('button', { name: `Save ${role}` }).click();
  await expect(page.getByText(`${role} saved`)).toBeVisible();
  await expectAccessible(page, 'roles page');
  await shot(page, 'roles-matrix');

  // A member with it, from the users page's role picker.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'New user' }).click();
  await dialog.getByLabel('Name').fill(`Nia Night${TAG}`);
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByLabel('Role').selectOption({ label: role });
  await dialog.getByLabel('Password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog).toBeHidden();
  await page.getByLabel('Search').fill(email);
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText(role);

  // The member, in a browser of their own.
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signIn(member, { company: 'acme', email });
  await expect(member.getByTestId('company-role')).toHaveText(`— ${role}`);
  const nav = member.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Jobs' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Roles' })).toHaveCount(0);
  await member.goto('/admin/users');
  await expect(member.getByRole('heading', { name: 'Your role does not allow this' })).toBeVisible();
  await expect(member.getByText(/needs the permission users\.manage/)).toBeVisible();

  await assign(member, job.id, 'Wendy Walker');
  await expect(member.getByRole('heading', { name: job.title })).toBeVisible();
  await expect(member.getByText('Wendy Walker', { exact: true })).toBeVisible();

  // The admin takes jobs.assign away: the member's next assignment is refused, by name.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click();
  await office.getByLabel(`${role}: jobs.assign`).uncheck();
  await page.getByRole('button', { name: `Save ${role}` }).click();
  await expect(page.getByText(`${role} saved`)).toBeVisible();

  await assign(member, job.id, 'Bill Fixer');
  await expect(member.getByText('assigning a job needs the permission jobs.assign')).toBeVisible();
  // Refused, nothing lost: the form still holds the choice.
  await expect(member.getByLabel('Assigned worker')).toHaveValue(await admin.userId('bill@acme.example'));
  const after = await admin.call('GET', `/jobs/${job.id}`);
  expect(after.assigned_worker?.name).toBe('Wendy Walker');
  await memberContext.close();
});

/** Opens the job, edits it and assigns `worker`. */
async function assign(page: Page, jobId: string, worker: string) {
  await page.goto(`/admin/jobs/${jobId}`);
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByRole('heading', { name: 'Edit job' })).toBeVisible();
  await page.getByLabel('Assigned worker').selectOption({ label: worker });
  await page.getByRole('button', { name: 'Save changes' }).click();
}
