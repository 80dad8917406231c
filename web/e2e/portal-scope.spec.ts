import { expect, test } from '@playwright/test';
import { Api, PASSWORD, RUN, TAG, expectAccessible, logins, shot, signIn } from './helpers';

// A property manager's login sees one building: the admin links the login to
// the manager (a contact of the customer) and limits that contact to Building
// C on the users page; signed in, the manager sees Building C's job only. The
// database enforces it (migration 0025); this is the path a person takes.
test('a customer login limited to Building C sees Building C only', async ({ page, browser, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const customerName = `Harbor Apartments${TAG}`;
  const harbor = await admin.call('POST', '/customers', { name: customerName, service_address: { line1: '1 Harbor Way' } });
  const buildingC = await admin.call('POST', `/customers/${harbor.id}/locations`, { name: 'Building C', address: { line1: '3 Side Street' } });
  const locations = await admin.call('GET', `/customers/${harbor.id}/locations`);
  const buildingA = locations.items.find((l: { id: string }) => l.id !== buildingC.id);
  await admin.call('POST', `/customers/${harbor.id}/contacts`, { name: `Cleo Manager${TAG}`, title: 'Property manager' });
  const inA = await admin.createJob({ customer_id: harbor.id, title: `Boiler in A${TAG}`, service_location_id: buildingA.id });
  const inC = await admin.createJob({ customer_id: harbor.id, title: `Gate in C${TAG}`, service_location_id: buildingC.id });

  await signIn(page, logins.acmeAdmin);
  await page.goto('/admin/users');
  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog');
  const email = `cleo-${RUN}@harbor.example`;
  await dialog.getByLabel('Name').fill(`Cleo Manager${TAG}`);
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByLabel('Password').fill(PASSWORD);
  await dialog.getByLabel('Role').selectOption({ label: 'Customer' });
  await dialog.getByLabel(/^Customer/).selectOption({ label: customerName });
  await dialog.getByLabel(/^Contact/).selectOption({ label: `Cleo Manager${TAG} (Property manager)` });
  await expect(dialog.getByLabel("All of the customer's locations")).toBeChecked();
  await dialog.getByLabel('Only these locations, and their jobs').check();
  await dialog.getByLabel(/Building C/).check();
  await expectAccessible(page, 'a customer login limited to a location');
  await shot(page, 'admin-user-location-limit');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await expect(dialog).toBeHidden();

  const manager = await browser.newPage();
  await signIn(manager, { company: 'acme', email });
  await expect(manager).toHaveURL(/\/portal$/);
  await expect(manager.getByRole('link', { name: new RegExp(inC.title) })).toBeVisible();
  await expect(manager.getByText(inA.title)).toHaveCount(0);
  await manager.goto(`/portal/jobs/${inA.id}`);
  await expect(manager.getByText('Not found')).toBeVisible();
  await manager.close();
});
