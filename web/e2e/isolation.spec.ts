import { expect, test } from '@playwright/test';
import { Api, TAG, expectAccessible, logins, shot, signIn } from './helpers';

// Company B's admin sees none of company A's jobs: not in lists, not in search,
// not by URL, not through A's share-link management.
test("bolt's admin sees none of acme's jobs", async ({ page, request }) => {
  const acme = await Api.as(request, logins.acmeAdmin);
  const secret = await acme.createJob({
    customer_id: await acme.customerId('Riverside Cafe'),
    title: `Acme confidential${TAG}`,
    tasks: ['Only acme may see this'],
  });
  const acmeIds: string[] = (await acme.call('GET', '/jobs?limit=200')).items.map((j: { id: string }) => j.id);
  expect(acmeIds).toContain(secret.id);

  await signIn(page, logins.boltAdmin);
  await expect(page.getByTestId('company-name')).toHaveText('Bolt Electric');
  await expect(page.getByRole('table')).toBeVisible();
  // Bolt's own jobs are listed (the demo seeds both companies with similar titles,
  // so compare ids, not titles).
  const hrefs = await page.locator('table a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  expect(hrefs.length).toBeGreaterThan(0);
  const shown = hrefs.map((h) => h.split('/').pop());
  expect(shown.filter((id) => acmeIds.includes(id!))).toEqual([]);
  await shot(page, 'bolt-jobs-desktop');

  await page.getByLabel('Search').fill(`Acme confidential${TAG}`);
  await expect(page.getByText('No jobs match')).toBeVisible();
  await page.getByLabel('Archived').check();
  await expect(page.getByText('No jobs match')).toBeVisible();

  await page.goto(`/admin/jobs/${secret.id}`);
  await expect(page.getByText('Not found')).toBeVisible();
  await expect(page.getByText(secret.title)).toHaveCount(0);
  await page.goto(`/admin/jobs/${secret.id}/edit`);
  await expect(page.getByText('Not found')).toBeVisible();

  await page.goto('/admin/customers');
  await expect(page.getByRole('table')).toBeVisible();
  await expect(page.getByText('Riverside Cafe')).toHaveCount(0);
  await expectAccessible(page, 'bolt customers');
});
