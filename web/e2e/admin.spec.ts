import { expect, test } from '@playwright/test';
import { Api, DESKTOP, MOBILE, RUN, TAG, expectAccessible, logins, shot, signIn } from './helpers';

// The admin's day: statuses, customers, a job with tasks assigned to a worker,
// finding it again, and sharing it.
test('admin creates a status, a customer and an assigned job with tasks, finds it and shares it', async ({ page, request }) => {
  const statusName = `Awaiting parts${TAG}`;
  const customerName = `Harbor Bistro${TAG}`;
  const jobTitle = `Replace grease trap${TAG}`;

  await signIn(page, logins.acmeAdmin);
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  await expect(page.getByTestId('company-name')).toHaveText('Acme Plumbing');
  await expect(page.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible();
  await expect(page.getByRole('table')).toBeVisible();
  await expectAccessible(page, 'jobs list');
  await shot(page, 'admin-jobs-desktop');

  // A custom status, then moved up one place.
  await page.getByRole('link', { name: 'Statuses' }).click();
  await page.getByRole('button', { name: 'New status' }).click();
  const statusDialog = page.getByRole('dialog', { name: 'New status' });
  await statusDialog.getByRole('button', { name: 'Create status' }).click();
  await expect(statusDialog.getByText('Name is required')).toBeVisible();
  await statusDialog.getByLabel('Name').fill(statusName);
  await statusDialog.getByRole('button', { name: 'Color #ea580c' }).click();
  await expectAccessible(page, 'status dialog');
  await statusDialog.getByRole('button', { name: 'Create status' }).click();
  await expect(statusDialog).toBeHidden();
  const statusRows = page.getByRole('list', { name: 'Statuses in order' }).getByRole('listitem');
  await expect(statusRows.last()).toContainText(statusName);
  // The move shows at once; the reload must wait until the server has it.
  const reordered = page.waitForResponse(
    (r) => r.url().endsWith('/api/v1/job-statuses/reorder') && r.request().method() === 'POST',
  );
  await page.getByRole('button', { name: `Move ${statusName} up` }).click();
  await expect(statusRows.nth((await statusRows.count()) - 2)).toContainText(statusName);
  expect((await reordered).ok()).toBe(true);
  await page.reload();
  await expect(statusRows.nth((await statusRows.count()) - 2)).toContainText(statusName);
  await expectAccessible(page, 'statuses');
  await shot(page, 'admin-statuses-desktop');

  // A customer; the client checks the phone format before the server sees it.
  await page.getByRole('link', { name: 'Customers' }).click();
  await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'New customer' }).click();
  const customerDialog = page.getByRole('dialog', { name: 'New customer' });
  await customerDialog.getByLabel('Name').fill(customerName);
  await customerDialog.getByLabel('Phone').fill('call me');
  await customerDialog.getByRole('button', { name: 'Create customer' }).click();
  await expect(customerDialog.getByText(/Enter a phone number/)).toBeVisible();
  await customerDialog.getByLabel('Phone').fill('+1 555 0199');
  await customerDialog.getByLabel('Email').fill(`kitchen-${RUN}@harbor.example`);
  await customerDialog.getByLabel('Address').fill('12 Quay Road, Springfield');
  await customerDialog.getByRole('button', { name: 'Create customer' }).click();
  await expect(customerDialog).toBeHidden();
  await page.getByLabel('Search').fill(customerName);
  await expect(page.getByRole('row').filter({ hasText: customerName })).toBeVisible();
  await expectAccessible(page, 'customers');
  await page.getByLabel('Search').fill('');
  await shot(page, 'admin-customers-desktop');

  // A job with two tasks, assigned to Wendy.
  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.getByRole('link', { name: 'New job' }).click();
  await page.getByRole('button', { name: 'Create job' }).click();
  await expect(page.getByText('Title is required')).toBeVisible();
  await expect(page.getByText('Choose a customer', { exact: true })).toBeVisible();
  await page.getByLabel('Title').fill(jobTitle);
  await page.getByLabel('Description').fill('Trap is cracked; replace and test for leaks.');
  await page.getByLabel('Find customer').fill(customerName);
  await expect(page.getByRole('combobox', { name: 'Customer', exact: true }).locator('option', { hasText: customerName })).toHaveCount(1);
  await page.getByRole('combobox', { name: 'Customer', exact: true }).selectOption({ label: customerName });
  await page.getByLabel('Assigned worker').selectOption({ label: 'Wendy Walker' });
  await page.getByLabel('Scheduled for').fill('2030-05-14T09:30');
  await page.getByPlaceholder('Task 1').fill('Drain and remove old trap');
  await page.getByRole('button', { name: 'Add another task' }).click();
  await page.getByPlaceholder('Task 2').fill('Fit new trap and leak test');
  await expectAccessible(page, 'new job form');
  await shot(page, 'admin-job-new-desktop');
  await page.getByRole('button', { name: 'Create job' }).click();

  await expect(page.getByRole('heading', { name: jobTitle, level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/admin\/jobs\/[0-9a-f-]{36}$/);
  const tasks = page.getByRole('list', { name: 'Tasks' }).getByRole('listitem');
  await expect(tasks).toHaveCount(2);
  await expect(tasks.first()).toContainText('Drain and remove old trap');
  await expect(page.getByText('Wendy Walker', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: /12 Quay Road/ })).toHaveAttribute('href', /maps/);

  // Reorder tasks, add one, move the job into the new status.
  await page.getByRole('button', { name: 'Move “Fit new trap and leak test” up' }).click();
  await expect(tasks.first()).toContainText('Fit new trap and leak test');
  await page.getByLabel('New task').fill('Photograph the finished install');
  await page.getByRole('button', { name: 'Add task' }).click();
  await expect(tasks).toHaveCount(3);
  await page.reload();
  await expect(tasks.first()).toContainText('Fit new trap and leak test');
  await page.getByLabel('Status').selectOption({ label: statusName });
  await expect(page.getByText(`Status: ${statusName}`)).toBeVisible();

  // The audit trail names who did what.
  const history = page.getByRole('list', { name: 'History' });
  await expect(history.getByText(`status: New → ${statusName}`)).toBeVisible();
  await expect(history.getByText('created the job')).toBeVisible();
  await expect(history.getByText('Acme Plumbing Admin').first()).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download CSV' }).click();
  expect((await download).suggestedFilename()).toMatch(/history\.csv$/);

  // A share link, shown once with its URL.
  await page.getByRole('button', { name: 'Create link' }).click();
  await expect(page.getByTestId('share-url')).toHaveValue(/\/t\/.+/);
  await expect(page.getByRole('list', { name: 'Share links' }).getByText('Active')).toBeVisible();
  await expectAccessible(page, 'job detail');
  await shot(page, 'admin-job-detail-desktop');

  // Find it again: search, then filter by status and worker.
  await page.getByRole('link', { name: '← All jobs' }).click();
  await expect(page.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible();
  await page.getByLabel('Search').fill(`grease trap${TAG}`);
  await expect(page.getByRole('row')).toHaveCount(2); // header + the job
  await expect(page.getByRole('link', { name: jobTitle })).toBeVisible();
  await page.getByLabel('Search').fill(customerName);
  await expect(page.getByRole('link', { name: jobTitle })).toBeVisible();
  await page.getByLabel('Search').fill('');
  await page.getByLabel('Status').selectOption({ label: statusName });
  await expect(page.getByRole('link', { name: jobTitle })).toBeVisible();
  await expect(page.getByRole('row')).toHaveCount(2);
  await page.getByLabel('Worker').selectOption({ label: 'Bill Fixer' });
  await expect(page.getByText('No jobs match')).toBeVisible();
  await page.getByLabel('Worker').selectOption({ label: 'Wendy Walker' });
  await expect(page.getByRole('link', { name: jobTitle })).toBeVisible();
  await expect(page).toHaveURL(/status=.*worker=/);

  // The same pages on a phone.
  await page.setViewportSize(MOBILE);
  await page.getByLabel('Status').selectOption({ label: 'All statuses' });
  await page.getByLabel('Worker').selectOption({ label: 'All workers' });
  await expectAccessible(page, 'jobs list (mobile)');
  await shot(page, 'admin-jobs-mobile');
  await page.getByRole('link', { name: jobTitle }).click();
  await expect(page.getByRole('heading', { name: jobTitle })).toBeVisible();
  await shot(page, 'admin-job-detail-mobile');
  await page.setViewportSize(DESKTOP);
});

test('admin edits a job, sees server field errors, archives and restores it', async ({ page, request }) => {
  const api = await Api.as(request, logins.acmeAdmin);
  const customerId = await api.customerId('Riverside Cafe');
  const job = await api.createJob({ customer_id: customerId, title: `Descale espresso boiler${TAG}`, tasks: ['Descale'] });
  const statuses = await api.statuses();
  const strict = await api.call('POST', '/job-statuses', { name: `Needs sign-off${TAG}`, requires_tasks_done: true });

  await signIn(page, logins.acmeAdmin);
  await page.goto(`/admin/jobs/${job.id}/edit`);
  await expect(page.getByRole('heading', { name: 'Edit job' })).toBeVisible();
  // The server refuses a status that needs every task done: its 422 lands beside the field.
  await page.getByLabel('Status').selectOption({ label: strict.name });
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Please correct the highlighted fields.')).toBeVisible();
  await expect(page.getByLabel('Status')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'edit job with errors');
  await page.getByLabel('Status').selectOption({ label: statuses[0]!.name });
  await page.getByLabel('Title').fill(`Descale espresso boiler (urgent)${TAG}`);
  await page.getByLabel('Assigned worker').selectOption({ label: 'Bill Fixer' });
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('heading', { name: `Descale espresso boiler (urgent)${TAG}` })).toBeVisible();
  await expect(page.getByText('Bill Fixer', { exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Archive' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Archive' }).click();
  await expect(page.getByText('Archived', { exact: true })).toBeVisible();
  await page.goto('/admin/jobs?archived=1');
  await expect(page.getByRole('link', { name: `Descale espresso boiler (urgent)${TAG}` })).toBeVisible();
  await page.goto('/admin/jobs');
  await page.getByLabel('Search').fill(`Descale espresso boiler (urgent)${TAG}`);
  await expect(page.getByText('No jobs match')).toBeVisible();
  await page.goto(`/admin/jobs/${job.id}`);
  await page.getByRole('button', { name: 'Unarchive' }).click();
  await expect(page.getByText('Job restored')).toBeVisible();
  await api.call('DELETE', `/job-statuses/${strict.id}`);
});

test('admin registers a worker and a customer login, and deactivates the worker', async ({ page }) => {
  await signIn(page, logins.acmeAdmin);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog', { name: 'New user' });
  await dialog.getByLabel('Name').fill(`Pat Pipe${TAG}`);
  await dialog.getByLabel('Email').fill(`pat-${RUN}@acme.example`);
  await dialog.getByLabel('Password').fill('short');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog.getByText('Must be 8 to 128 characters')).toBeVisible();
  await dialog.getByLabel('Password').fill('a-long-password');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: `pat-${RUN}@acme.example` });
  // Created with the field kind's default role, named in the list.
  await expect(row).toContainText('Worker');
  await expect(row).toContainText('Active');

  // The server's 422 for a duplicate email shows beside the email field.
  await page.getByRole('button', { name: 'New user' }).click();
  await dialog.getByLabel('Name').fill('Duplicate');
  await dialog.getByLabel('Email').fill(`pat-${RUN}@acme.example`);
  await dialog.getByLabel('Password').fill('a-long-password');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  // The form picks one of the company's roles: the Customer role makes a customer login.
  await dialog.getByLabel('Role').selectOption({ label: 'Customer' });
  await dialog.getByLabel('Email').fill(`cafe-${RUN}@riverside.example`);
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog.getByText('Choose the customer this login is for')).toBeVisible();
  await dialog.getByLabel('Customer').selectOption({ label: 'Riverside Cafe' });
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: `cafe-${RUN}@riverside.example` })).toContainText('Riverside Cafe');

  await page.getByRole('button', { name: `Deactivate Pat Pipe${TAG}` }).click();
  await expect(row).toContainText('Deactivated');
  await expectAccessible(page, 'users');
  await shot(page, 'admin-users-desktop');
});

test('admin edits and deletes a customer; renames a status; a status in use cannot be deleted', async ({ page, request }) => {
  const api = await Api.as(request, logins.acmeAdmin);
  const customer = await api.call('POST', '/customers', { name: `Corner Deli${TAG}` });
  const status = await api.call('POST', '/job-statuses', { name: `On hold${TAG}` });
  await api.createJob({ customer_id: customer.id, title: `Deli sink${TAG}`, status_id: status.id });
  const spare = await api.call('POST', '/job-statuses', { name: `Unused${TAG}` });

  await signIn(page, logins.acmeAdmin);
  await page.getByRole('link', { name: 'Customers' }).click();
  await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search' }).fill(`Corner Deli${TAG}`);
  await page.getByRole('button', { name: `Edit Corner Deli${TAG}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(`Corner Deli & Bakery${TAG}`);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('searchbox', { name: 'Search' }).fill(`Corner Deli & Bakery${TAG}`);
  await expect(page.getByRole('row').filter({ hasText: `Corner Deli & Bakery${TAG}` })).toBeVisible();
  await page.getByRole('button', { name: `Delete Corner Deli & Bakery${TAG}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete customer' }).click();
  await expect(page.getByText('No customers match')).toBeVisible();

  await page.getByRole('link', { name: 'Statuses' }).click();
  await expect(page.getByRole('heading', { name: 'Job statuses', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: `Edit On hold${TAG}` }).click();
  await page.getByRole('dialog').getByLabel('Name').fill(`Paused${TAG}`);
  await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('list', { name: 'Statuses in order' })).toContainText(`Paused${TAG}`);
  await page.getByRole('button', { name: `Delete Paused${TAG}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete status' }).click();
  await expect(page.getByText(/is in use/)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Statuses in order' })).toContainText(`Paused${TAG}`);
  await page.getByRole('button', { name: `Delete ${spare.name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete status' }).click();
  await expect(page.getByRole('list', { name: 'Statuses in order' })).not.toContainText(spare.name);
});
