import { expect, test } from '@playwright/test';
import { Api, MOBILE, RUN, TAG, expectAccessible, logins, shot, signIn } from './helpers';

// The customer page (issue #16): open a customer, add a location and a
// contact, log a call, then create a job at that location, finding the
// customer with the job form's type-ahead by its contact's phone.
test('admin opens a customer, adds a location and a contact, logs a call, and books a job there from the type-ahead', async ({ page, request, browser }) => {
  const api = await Api.as(request, logins.acmeAdmin);
  const name = `Quayside Lofts${TAG}`;
  const customer = await api.call('POST', '/customers', { name, allow_duplicate: true });
  // Digits unique to this run, typed in another formatting below.
  const digits = `603${(Date.now() % 10_000_000).toString().padStart(7, '0')}`;
  const phone = `+1 (${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;

  await signIn(page, logins.acmeAdmin);
  await expect(page).toHaveURL(/\/admin\/jobs$/);
  await page.getByRole('link', { name: 'Customers' }).click();
  await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search' }).fill(name);
  await page.getByRole('link', { name }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/customers/${customer.id}$`));
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await expect(page.getByLabel(`Account number ${customer.account_number}`)).toBeVisible();

  // A second location: the job form will have to ask which one.
  await page.getByRole('button', { name: 'Add location' }).click();
  const locationDialog = page.getByRole('dialog', { name: 'New location' });
  await locationDialog.getByLabel('Name').fill('Building C');
  await locationDialog.getByLabel('Street').fill(`${RUN} Wharf Street`);
  await locationDialog.getByLabel('City').fill('Portsmouth');
  await locationDialog.getByLabel('Gate code').fill('4321#');
  await locationDialog.getByLabel('Access notes').fill('Keys at the front desk');
  await locationDialog.getByRole('button', { name: 'Add location' }).click();
  await expect(locationDialog).toBeHidden();
  const locations = page.getByRole('region', { name: 'Locations' });
  await expect(locations.getByText('Building C', { exact: true })).toBeVisible();
  await expect(locations.getByRole('link', { name: /open Building C in maps/ })).toHaveAttribute('href', /google\.com\/maps/);
  await expect(locations.getByText('Gate code: 4321#')).toBeVisible();

  // A contact with a mobile and an email: tel: and mailto: links.
  await page.getByRole('button', { name: 'Add contact' }).click();
  const contactDialog = page.getByRole('dialog', { name: 'New contact' });
  await contactDialog.getByLabel('Name').fill(`Pat Harbormaster${TAG}`);
  await contactDialog.getByLabel('Title').fill('Site manager');
  await contactDialog.getByLabel('Mobile').fill(phone);
  await contactDialog.getByLabel('Email').fill(`pat-${RUN}@quayside.example`);
  await contactDialog.getByRole('button', { name: 'Add contact' }).click();
  await expect(contactDialog).toBeHidden();
  const contacts = page.getByRole('region', { name: 'Contacts' });
  await expect(contacts.getByRole('link', { name: phone })).toHaveAttribute('href', `tel:+1${digits}`);
  await expect(contacts.getByRole('link', { name: `pat-${RUN}@quayside.example` })).toHaveAttribute('href', `mailto:pat-${RUN}@quayside.example`);

  // The same phone again, formatted otherwise: offered as a likely duplicate.
  await page.getByRole('button', { name: 'Add contact' }).click();
  const again = page.getByRole('dialog', { name: 'New contact' });
  await again.getByLabel('Name').fill('Pat again');
  await again.getByLabel('Mobile').fill(`${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`);
  await again.getByRole('button', { name: 'Add contact' }).click();
  await expect(again.getByRole('alert')).toContainText('This may already exist');
  await expect(again.getByRole('link', { name: new RegExp(name) })).toBeVisible();
  await again.getByRole('button', { name: 'Cancel' }).click();

  // Log a call.
  const log = page.getByRole('form', { name: 'Log a communication' });
  await log.getByLabel('Channel').selectOption('call');
  await log.getByLabel('Direction').selectOption('inbound');
  await log.getByLabel('Summary').fill(`Reported a leak in Building C ${RUN}`);
  await log.getByRole('button', { name: 'Log it' }).click();
  const timeline = page.getByRole('list', { name: 'Communications and jobs' });
  await expect(timeline.getByText(`Reported a leak in Building C ${RUN}`)).toBeVisible();
  await expectAccessible(page, 'customer page');
  await shot(page, 'admin-customer-desktop');

  // A job at Building C: the type-ahead finds the customer by the phone's digits.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
  await expect(page.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible();
  await page.getByRole('link', { name: 'New job' }).click();
  await page.getByLabel('Title').fill(`Fix the leak${TAG}`);
  await page.getByLabel('Find customer').fill(digits.slice(3));
  const picker = page.getByRole('combobox', { name: 'Customer', exact: true });
  await expect(picker.locator('option', { hasText: name })).toHaveCount(1);
  await picker.selectOption({ label: name });
  const location = page.getByRole('combobox', { name: 'Location' });
  await expect(location.locator('option', { hasText: 'Building C' })).toHaveCount(1);
  await location.selectOption({ label: `Building C: ${RUN} Wharf Street, Portsmouth` });
  await page.getByRole('combobox', { name: 'Site contact' }).selectOption({ label: `Pat Harbormaster${TAG}, Site manager` });
  await page.getByLabel('Assigned worker').selectOption({ label: 'Wendy Walker' });
  await page.getByRole('button', { name: 'Create job' }).click();
  await expect(page.getByRole('heading', { name: `Fix the leak${TAG}`, level: 1 })).toBeVisible();
  // The job page says where: the location, its gate code, the site contact to call.
  const place = page.getByTestId('job-place');
  await expect(place.getByText('Building C', { exact: true })).toBeVisible();
  await expect(place.getByLabel('Access')).toContainText('4321#');
  await expect(place.getByRole('link', { name: phone })).toHaveAttribute('href', `tel:+1${digits}`);
  // The job is at Building C with Pat as its site contact.
  await expect(page).toHaveURL(/\/admin\/jobs\/[0-9a-f-]{36}$/);
  const created = await api.call('GET', `/jobs/${page.url().split('/').pop()}`);
  expect(created.service_location.name).toBe('Building C');
  expect(created.site_contact.name).toBe(`Pat Harbormaster${TAG}`);

  // Back on the customer page the job is in the list and the timeline.
  await page.goto(`/admin/customers/${customer.id}`);
  await expect(page.getByRole('region', { name: 'Jobs' }).getByRole('link', { name: `Fix the leak${TAG}` })).toBeVisible();
  await expect(timeline.getByText('Job created')).toBeVisible();

  await page.setViewportSize(MOBILE);
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
  await shot(page, 'admin-customer-mobile');

  // The assigned worker, on the phone: where to go, the gate code and the
  // access notes, a tap to map and a tap to call the site contact.
  const jobId = created.id as string;
  const worker = await browser.newContext({ viewport: MOBILE, isMobile: true });
  const phonePage = await worker.newPage();
  await signIn(phonePage, logins.wendy);
  await phonePage.goto(`/worker/jobs/${jobId}`);
  const where = phonePage.getByTestId('job-place');
  await expect(where.getByText('Building C', { exact: true })).toBeVisible();
  await expect(where.getByLabel('Access')).toContainText('4321#');
  await expect(where.getByLabel('Access')).toContainText('Keys at the front desk');
  await expect(where.getByRole('link', { name: /open Building C in maps/ })).toHaveAttribute('href', /google\.com\/maps/);
  await expect(where.getByRole('link', { name: phone })).toHaveAttribute('href', `tel:+1${digits}`);
  await shot(phonePage, 'worker-job-place-mobile');
  await worker.close();
});
