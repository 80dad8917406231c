import { expect, test } from '@playwright/test';
import { Api, MOBILE, TAG, expectAccessible, expectTouchTargets, logins, shot, signIn } from './helpers';

test.use({ viewport: MOBILE, isMobile: true, hasTouch: true });

// A field worker on a phone: only their own jobs; status, tasks and notes.
test('worker sees only their jobs, changes status, completes tasks and adds a note', async ({ page, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const wendy = await admin.userId('wendy@acme.example');
  const bill = await admin.userId('bill@acme.example');
  const customer = await admin.customerId('Riverside Cafe');
  const statuses = await admin.statuses();
  const inProgress = statuses.find((s) => s.name === 'In progress')!;
  const signedOff = await admin.call('POST', '/job-statuses', { name: `Signed off${TAG}`, requires_tasks_done: true, is_final: true });
  const mine = await admin.createJob({
    customer_id: customer,
    title: `Fix walk-in fridge drain${TAG}`,
    description: 'Drain backs up into the kitchen. Bring a 2 m snake.',
    assigned_worker_id: wendy,
    tasks: ['Clear the drain line', 'Check the condensate pump'],
  });
  const billsJob = await admin.createJob({ customer_id: customer, title: `Bill's boiler job${TAG}`, assigned_worker_id: bill });
  const unassigned = await admin.createJob({ customer_id: customer, title: `Unassigned job${TAG}` });

  await signIn(page, logins.wendy);
  await expect(page).toHaveURL(/\/worker$/);
  await expect(page.getByTestId('company-name')).toHaveText('Acme Plumbing');
  await expect(page.getByRole('heading', { name: 'My jobs' })).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(mine.title) })).toBeVisible();
  await expect(page.getByText(billsJob.title)).toHaveCount(0);
  await expect(page.getByText(unassigned.title)).toHaveCount(0);
  // Grouped by status: the new job sits under "New".
  await expect(page.getByRole('region', { name: /^New/ }).getByText(mine.title)).toBeVisible();
  await expectTouchTargets(page, 'main a, main button');
  await expectAccessible(page, 'worker job list');
  await shot(page, 'worker-jobs-mobile');

  // Another worker's job is not reachable by URL either, nor the admin surface.
  await page.goto(`/worker/jobs/${billsJob.id}`);
  await expect(page.getByText('Not found')).toBeVisible();
  await page.goto('/admin/jobs');
  await expect(page).toHaveURL(/\/worker$/);

  await page.getByRole('link', { name: new RegExp(mine.title) }).click();
  await expect(page.getByRole('heading', { name: mine.title })).toBeVisible();
  await expect(page.getByRole('link', { name: /Call/ })).toHaveAttribute('href', /^tel:/);
  await expect(page.getByRole('link', { name: /in maps\)$/ })).toHaveAttribute('href', /maps/);

  // One tap to change status.
  await page.getByRole('button', { name: 'In progress' }).click();
  await expect(page.getByRole('button', { name: 'In progress' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await admin.call('GET', `/jobs/${mine.id}`)).status.id).toBe(inProgress.id);

  // A status that needs every task done refuses, and says why, right there.
  await page.getByRole('button', { name: signedOff.name }).click();
  await expect(page.getByRole('alert').filter({ hasText: /task/i })).toBeVisible();
  await expect(page.getByRole('button', { name: 'In progress' })).toHaveAttribute('aria-pressed', 'true');

  // Big checkboxes; the tick persists.
  const tasks = page.getByRole('list', { name: 'Tasks' });
  await tasks.getByLabel('Clear the drain line').check();
  await tasks.getByLabel('Check the condensate pump').check();
  await expect(page.getByText('2/2')).toBeVisible();
  await expect.poll(async () => (await admin.call('GET', `/jobs/${mine.id}`)).tasks_done).toBe(2);
  await page.reload();
  await expect(tasks.getByLabel('Clear the drain line')).toBeChecked();

  // Now the strict status is allowed.
  await page.getByRole('button', { name: signedOff.name }).click();
  await expect(page.getByRole('button', { name: signedOff.name })).toHaveAttribute('aria-pressed', 'true');

  // A note.
  await page.getByLabel('Add a note').fill('Drain cleared, pump replaced. Customer happy.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('list', { name: 'Notes' }).getByText('Drain cleared, pump replaced.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Notes' })).toContainText('Wendy Walker');

  await expectTouchTargets(page, 'main .task-check, main .status-btn, main .contact-link, main .btn');
  await expectAccessible(page, 'worker job detail');
  await shot(page, 'worker-job-mobile');

  // The job has left the open groups of her list.
  await page.getByRole('link', { name: '← My jobs' }).click();
  await expect(page.getByRole('region', { name: new RegExp(`^${signedOff.name}`) }).getByText(mine.title)).toBeVisible();
});

test('a failed task update rolls the checkbox back', async ({ page, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const job = await admin.createJob({
    customer_id: await admin.customerId('Riverside Cafe'),
    title: `Rollback check${TAG}`,
    assigned_worker_id: await admin.userId('wendy@acme.example'),
    tasks: ['Flaky network task'],
  });
  await signIn(page, logins.wendy);
  await page.goto(`/worker/jobs/${job.id}`);
  const box = page.getByLabel('Flaky network task');
  await expect(box).not.toBeChecked();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/v1/job-tasks/*', async (route) => {
    await gate;
    await route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'try again' }) });
  });
  await box.check();
  await expect(box).toBeChecked(); // optimistic: ticked before the server answers
  release();
  await expect(box).not.toBeChecked(); // rolled back
  await expect(page.getByText(/Task not saved/)).toBeVisible();
  await page.unroute('**/api/v1/job-tasks/*');
  await box.click();
  await expect(box).toBeChecked();
  await expect.poll(async () => (await admin.call('GET', `/jobs/${job.id}`)).tasks_done).toBe(1);
});
