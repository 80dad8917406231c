import { expect, test } from '@playwright/test';
import { Api, RUN, expectAccessible, logins, shot, signIn } from './helpers';

// Import (issue #19): a Service Fusion-style customer file with two bad rows
// → mapping proposed → dry run shows counts and row errors → apply → the next
// month's file updates, duplicates nothing → undo restores the old name.
const header = 'Customer ID,Customer Name,Contact First Name,Contact Last Name,Phone,Email,Address 1,City,State,Zip Code,Notes';
const id = (n: number) => `E2E-${RUN}-${n}`;
const name = (label: string) => `${label} ${RUN}`;

// This run's imported customers. Other specs of the run make customers whose
// emails carry the run id too (admin.spec's kitchen-<run>@…), so a search for
// the run id alone finds theirs as well.
const LABELS = ['Harbor Bakery', 'Lakeside Laundry', 'Mill Pond Cafe'];
async function importedNames(api: Api): Promise<string[]> {
  const found = await api.call('GET', `/customers?q=${encodeURIComponent(RUN)}&limit=100`);
  return found.items
    .map((c: { name: string }) => c.name)
    .filter((n: string) => n.endsWith(` ${RUN}`) && LABELS.some((label) => n.startsWith(label)))
    .sort();
}

function file(rows: string[]) {
  return { name: 'service-fusion-customers.csv', mimeType: 'text/csv', buffer: Buffer.from([header, ...rows, ''].join('\n')) };
}

test('admin imports a Service Fusion customer file, re-imports a changed one without duplicates, and undoes it', async ({ page, request }) => {
  const api = await Api.as(request, logins.acmeAdmin);
  const first = file([
    `${id(1)},${name('Harbor Bakery')},Hana,Reed,(555) 301-0001,hana@harbor.example,1 Dock St,Springfield,IL,62701,`,
    `${id(2)},${name('Lakeside Laundry')},Lou,Park,555-301-0002,not-an-email,2 Lake Rd,Springfield,IL,62702,`,
    `${id(3)},${name('Mill Pond Cafe')},Mia,,555 301 0003,mia@millpond.example,3 Mill Ln,Shelbyville,IL,62565,`,
    `${id(4)},,,,,,,,,,`,
  ]);

  await signIn(page, logins.acmeAdmin);
  await page.getByRole('link', { name: 'Import' }).click();
  await expect(page.getByRole('heading', { name: 'Import and export', level: 1 })).toBeVisible();
  await page.getByLabel('Exported from').selectOption('servicefusion');
  await page.getByLabel('File (CSV or Excel .xlsx)').setInputFiles(first);

  // The mapping, proposed from the preset.
  await expect(page.getByLabel('Column for name')).toHaveValue('Customer Name');
  await expect(page.getByLabel('Column for external_id')).toHaveValue('Customer ID');
  await expect(page.getByLabel('Column for postal_code')).toHaveValue('Zip Code');
  await expectAccessible(page, 'import mapping');

  await page.getByRole('button', { name: 'Dry run' }).click();
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('Would create 2, would update 0, unchanged 0, refused 2.');
  const refused = page.getByRole('table', { name: 'Refused rows' });
  await expect(refused).toContainText('is not a valid email address');
  await expect(refused).toContainText('a new customer needs a name');
  await shot(page, 'admin-import-dry-run-desktop');
  expect(await importedNames(api)).toEqual([]);

  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(report).toContainText('Created 2, updated 0');
  await api.customerId(name('Harbor Bakery'));

  // Next month: Harbor renamed, Lakeside's email fixed.
  await page.getByLabel('File (CSV or Excel .xlsx)').setInputFiles(
    file([
      `${id(1)},${name('Harbor Bakery & Co')},Hana,Reed,(555) 301-0001,hana@harbor.example,1 Dock St,Springfield,IL,62701,`,
      `${id(2)},${name('Lakeside Laundry')},Lou,Park,555-301-0002,lou@lakeside.example,2 Lake Rd,Springfield,IL,62702,`,
      `${id(3)},${name('Mill Pond Cafe')},Mia,,555 301 0003,mia@millpond.example,3 Mill Ln,Shelbyville,IL,62565,`,
    ]),
  );
  await expect(page.getByLabel('Column for name')).toHaveValue('Customer Name');
  await page.getByRole('button', { name: 'Dry run' }).click();
  await expect(report).toContainText('Would create 1, would update 1, unchanged 1, refused 0.');
  await expect(page.getByRole('table', { name: 'Rows matching existing records' })).toContainText(name('Harbor Bakery'));
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(report).toContainText('Created 1, updated 1');
  expect(await importedNames(api)).toEqual([name('Harbor Bakery & Co'), name('Lakeside Laundry'), name('Mill Pond Cafe')].sort());

  // Undo the re-import: Harbor's old name is back, Lakeside is gone again.
  const history = page.getByRole('table', { name: 'Past imports' });
  await history.getByRole('row').nth(1).getByRole('button', { name: 'Undo' }).click();
  await expect(history.getByRole('row').nth(1)).toContainText('undone');
  expect(await importedNames(api)).toEqual([name('Harbor Bakery'), name('Mill Pond Cafe')].sort());
});
