import { expect, test } from '@playwright/test';
import { Api, RUN, TAG, expectAccessible, logins, shot, signIn } from './helpers';

// Custom fields: the admin defines a required job field (visible to workers),
// the job form refuses a job without it and saves one with it, the job page
// shows it, and so does the assigned worker's page.
test('admin defines a required job field, the form asks for it, and the job pages show it', async ({ page, request }) => {
  const label = `PO number${TAG}`;
  const key = `po_${RUN}`.replace(/[^a-z0-9_]/g, '_');
  const customerName = `Quayside Deli${TAG}`;
  const jobTitle = `Fix walk-in cooler${TAG}`;
  const api = await Api.as(request, logins.acmeAdmin);
  await api.call('POST', '/customers', { name: customerName });

  try {
    await signIn(page, logins.acmeAdmin);
    await page.getByRole('link', { name: 'Custom fields' }).click();
    await expect(page.getByRole('heading', { name: 'Custom fields', level: 1 })).toBeVisible();
    await page.getByRole('button', { name: 'New job field' }).click();
    const dialog = page.getByRole('dialog', { name: 'New custom field' });
    await dialog.getByLabel('Label').fill(label);
    await dialog.getByLabel('Key').fill('Not A Key');
    await dialog.getByRole('button', { name: 'Create field' }).click();
    await expect(dialog.getByText(/Key: a–z/)).toBeVisible();
    await dialog.getByLabel('Key').fill(key);
    await dialog.getByLabel('Required').check();
    await dialog.getByLabel('Visible to workers').check();
    await expectAccessible(page, 'custom field dialog');
    await dialog.getByRole('button', { name: 'Create field' }).click();
    await expect(dialog).toBeHidden();
    const jobFields = page.getByRole('list', { name: 'Job fields' });
    await expect(jobFields.getByRole('listitem').filter({ hasText: label })).toContainText('Required');
    await expectAccessible(page, 'custom fields');
    await shot(page, 'admin-custom-fields-desktop');

    // The job form refuses the job without the field, then saves it with it.
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByLabel('Title').fill(jobTitle);
    await page.getByLabel('Find customer').fill(customerName);
    await expect(page.getByRole('combobox', { name: 'Customer', exact: true }).locator('option', { hasText: customerName })).toHaveCount(1);
    await page.getByRole('combobox', { name: 'Customer', exact: true }).selectOption({ label: customerName });
    await page.getByLabel('Assigned worker').selectOption({ label: 'Wendy Walker' });
    await page.getByRole('button', { name: 'Create job' }).click();
    await expect(page.getByText(`${label} is required`)).toBeVisible();
    await expect(page).toHaveURL(/\/admin\/jobs\/new$/);
    await page.getByLabel(label).fill('PO-4471');
    await expectAccessible(page, 'job form with custom fields');
    await page.getByRole('button', { name: 'Create job' }).click();

    await expect(page.getByRole('heading', { name: jobTitle, level: 1 })).toBeVisible();
    const fields = page.getByTestId('custom-fields');
    await expect(fields.getByText(label)).toBeVisible();
    await expect(fields.getByText('PO-4471')).toBeVisible();
    await shot(page, 'admin-job-custom-fields-desktop');

    // The assigned worker sees it too (it is visible to workers).
    const jobPath = new URL(page.url()).pathname;
    const jobId = jobPath.split('/').pop()!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await signIn(page, logins.wendy);
    await page.goto(`/worker/jobs/${jobId}`);
    await expect(page.getByRole('heading', { name: jobTitle, level: 1 })).toBeVisible();
    await expect(page.getByTestId('custom-fields').getByText('PO-4471')).toBeVisible();
  } finally {
    // Later suites create jobs in this company without the field: archive it.
    const defs: { id: string; key: string }[] = await api.call('GET', '/custom-fields?entity=job');
    for (const d of defs.filter((d) => d.key === key)) await api.call('PATCH', `/custom-fields/${d.id}`, { is_archived: true });
  }
});

// The job form's customer type-ahead (GET /customers/search) finds a customer
// by the value of one of its custom fields, a staff-only one included.
test('the job form finds a customer by a custom field value', async ({ page, request }) => {
  const key = `ref_${RUN}`.replace(/[^a-z0-9_]/g, '_');
  const value = `LEASE-${RUN}`;
  const customerName = `Harbourview Lofts${TAG}`;
  const api = await Api.as(request, logins.acmeAdmin);
  const field: { id: string } = await api.call('POST', '/custom-fields', {
    entity: 'customer', key, label: `Lease reference${TAG}`, field_type: 'text',
  });
  try {
    await api.call('POST', '/customers', { name: customerName, custom_fields: { [key]: value } });
    await signIn(page, logins.acmeAdmin);
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByLabel('Find customer').fill(value.toLowerCase());
    await expect(page.getByRole('combobox', { name: 'Customer', exact: true }).locator('option', { hasText: customerName })).toHaveCount(1);
  } finally {
    await api.call('PATCH', `/custom-fields/${field.id}`, { is_archived: true });
  }
});
