import { expect, test } from '@playwright/test';
import { Api, DESKTOP, MOBILE, TAG, expectAccessible, logins, shot, signIn } from './helpers';

test('customer sees their own jobs read-only: no edit controls exist', async ({ page, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const riverside = await admin.customerId('Riverside Cafe');
  const other = await admin.customerId('Maple Street School');
  const job = await admin.createJob({
    customer_id: riverside,
    title: `Install grease interceptor${TAG}`,
    description: 'Under-sink interceptor for the new dishwasher.',
    assigned_worker_id: await admin.userId('wendy@acme.example'),
    tasks: ['Site survey', 'Install', 'Inspection'],
  });
  const theirs = await admin.createJob({ customer_id: other, title: `School boiler${TAG}` });
  const firstTask = job.tasks[0];
  await admin.call('PATCH', `/job-tasks/${firstTask.id}`, { is_completed: true });
  await admin.call('POST', `/jobs/${job.id}/notes`, { body: `Parts ordered${TAG}`, visibility: 'customer' });
  await admin.call('POST', `/jobs/${job.id}/notes`, { body: `Internal: customer pays late${TAG}`, visibility: 'internal' });

  await signIn(page, logins.riverside);
  await expect(page).toHaveURL(/\/portal$/);
  await expect(page.getByTestId('company-name')).toHaveText('Acme Plumbing');
  await expect(page.getByRole('link', { name: new RegExp(job.title) })).toBeVisible();
  await expect(page.getByText(theirs.title)).toHaveCount(0);
  await expectAccessible(page, 'customer job list');
  await shot(page, 'customer-jobs-desktop');

  await page.getByRole('link', { name: new RegExp(job.title) }).click();
  await expect(page.getByRole('heading', { name: job.title })).toBeVisible();
  await expect(page.getByText('Wendy Walker')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Tasks' }).getByRole('listitem')).toHaveCount(3);
  await expect(page.getByText('1/3')).toBeVisible();
  await expect(page.getByText(`Parts ordered${TAG}`)).toBeVisible();
  await expect(page.getByText(`Internal: customer pays late${TAG}`)).toHaveCount(0);
  // The timeline: the job's creation and the finished task, nothing staff-only.
  const activity = page.getByRole('list', { name: 'Activity' });
  await expect(activity.getByRole('listitem')).toHaveCount(2);
  await expect(activity.getByRole('listitem').first()).toContainText('Task done: “Site survey”');
  await expect(activity.getByRole('listitem').last()).toContainText('Job opened as');
  // Read-only: nothing in the page body can change the job; the one form is
  // the conversation's, where the customer writes to the shop (issue #17).
  const main = page.locator('main');
  await expect(
    main.locator(':is(input, select, textarea, button, [contenteditable="true"]):not([data-testid="message-form"] *)'),
  ).toHaveCount(0);
  await expect(main.getByTestId('message-form')).toHaveCount(1);
  await expectAccessible(page, 'customer job detail');
  await shot(page, 'customer-job-desktop');
  await page.setViewportSize(MOBILE);
  await shot(page, 'customer-job-mobile');
  await page.setViewportSize(DESKTOP);

  // Another customer's job is a plain "not found", and other surfaces send them home.
  await page.goto(`/portal/jobs/${theirs.id}`);
  await expect(page.getByText('Not found')).toBeVisible();
  await page.goto('/admin/customers');
  await expect(page).toHaveURL(/\/portal$/);
  await page.goto('/worker');
  await expect(page).toHaveURL(/\/portal$/);
});

test('share link shows the job without login; a revoked or unknown link shows a clear page', async ({ browser, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const job = await admin.createJob({
    customer_id: await admin.customerId('Riverside Cafe'),
    title: `Replace mixer tap${TAG}`,
    description: 'Chrome mixer, customer supplies the tap.',
    assigned_worker_id: await admin.userId('bill@acme.example'),
    tasks: ['Isolate water', 'Swap tap'],
  });
  await admin.call('PATCH', `/job-tasks/${job.tasks[0].id}`, { is_completed: true });
  const link = await admin.call('POST', `/jobs/${job.id}/share-links`, { expires_in_days: 7 });
  const path = new URL(link.url).pathname;
  expect(path).toMatch(/^\/t\//);

  // A fresh browser context: no cookies, no session.
  const context = await browser.newContext({ viewport: MOBILE, isMobile: true });
  const page = await context.newPage();
  await page.goto(path);
  await expect(page.getByRole('heading', { name: job.title })).toBeVisible();
  await expect(page.getByTestId('company-name')).toHaveText('Acme Plumbing');
  await expect(page.getByText('Bill Fixer')).toBeVisible();
  await expect(page.getByText('Chrome mixer, customer supplies the tap.')).toBeVisible();
  await expect(page.getByText('1 of 2 done')).toBeVisible();
  await expect(page.locator('input, select, textarea, button')).toHaveCount(0);
  await expectAccessible(page, 'share page');
  await shot(page, 'share-mobile');
  await page.setViewportSize(DESKTOP);
  await shot(page, 'share-desktop');

  // The admin sees it was opened.
  const links = await admin.call('GET', `/jobs/${job.id}/share-links`);
  expect(links.find((l: { id: string }) => l.id === link.id).open_count).toBeGreaterThanOrEqual(1);

  // Revoked: the same URL now explains itself.
  await admin.call('DELETE', `/share-links/${link.id}`);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'This link is no longer valid' })).toBeVisible();
  await expect(page.getByText(job.title)).toHaveCount(0);
  await expectAccessible(page, 'revoked link page');
  await page.setViewportSize(MOBILE);
  await shot(page, 'share-revoked-mobile');

  await page.goto('/t/not-a-real-token');
  await expect(page.getByRole('heading', { name: 'This link is no longer valid' })).toBeVisible();
  await context.close();
});

test('admin revokes a share link from the job page', async ({ page, request, browser }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const job = await admin.createJob({ customer_id: await admin.customerId('Riverside Cafe'), title: `Revoke from UI${TAG}` });
  await signIn(page, logins.acmeAdmin);
  await page.goto(`/admin/jobs/${job.id}`);
  await page.getByRole('button', { name: 'Create link' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke link' }).click();
  await expect(page.getByRole('list', { name: 'Share links' }).getByText('Revoked')).toBeVisible();
  await expect(page.getByTestId('share-url')).toHaveCount(0);
  const anon = await browser.newPage();
  await anon.goto(new URL(url).pathname);
  await expect(anon.getByTestId('invalid-link')).toBeVisible();
  await anon.close();
});
