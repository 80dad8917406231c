import { expect, test } from '@playwright/test';
import { Api, expectAccessible, logins, mailedLink, RUN, signIn } from './helpers';

const MAIL_DIR = process.env.E2E_MAIL_DIR;
const STRONG = 'violet tractor hums beside quiet lanterns';

test('portal: register, the mailed link, verify, a draft, submit, staff approve, the customer sees the job', async ({ page, browser, request }) => {
  test.skip(!MAIL_DIR, 'needs E2E_MAIL_DIR, the server’s MAIL_DIR (scripts/test/test-web.sh sets both)');
  const admin = await Api.as(request, logins.boltAdmin);
  await admin.call('PUT', '/portal-settings', { registration_mode: 'open', locked_fields: ['title'], job_status_mails: true });
  const email = `portal-${RUN}@home.example`;
  const title = `Dripping tap ${RUN}`;

  await page.goto('/p/bolt');
  await page.getByLabel('Your name').fill('Rita Portal');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Address of the work').fill('12 Elm Street');
  await page.getByLabel('Password').fill(STRONG);
  await page.getByLabel('I accept the terms of service').check();
  await expectAccessible(page, 'portal registration');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.getByText(/Check your mail/)).toBeVisible();

  const link = new URL(await mailedLink(email, /https?:\/\/\S+\/p\/bolt\/verify#token=[A-Za-z0-9_-]+/));
  await page.goto(link.pathname + link.hash);
  await expect(page.getByText(/your account is ready/)).toBeVisible();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Company').fill('bolt');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(STRONG);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/portal$/);

  await page.getByRole('link', { name: 'My requests' }).click();
  await page.getByRole('link', { name: 'New request' }).click();
  await page.getByLabel('What needs doing?').fill(title);
  await page.getByLabel('Details').fill('Under the kitchen sink');
  await expect(page.getByText('Draft saved')).toBeVisible();
  await expectAccessible(page, 'new request');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByTestId('request-state')).toHaveText('Submitted');
  const requestUrl = page.url();
  // The customer asks something in the request's conversation.
  await page.getByLabel('Write a message').fill('Is Tuesday morning fine?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByText('Is Tuesday morning fine?')).toBeVisible();

  // The staff, in a browser of their own: an internal note and a reply.
  const staff = await browser.newPage();
  await signIn(staff, logins.boltAdmin);
  await expect(staff.getByTestId('unread-badge')).toBeVisible();
  await staff.getByRole('link', { name: /Requests/ }).click();
  await staff.getByRole('link', { name: new RegExp(title) }).click();
  await expect(staff.getByText('Under the kitchen sink')).toBeVisible();
  await expect(staff.getByText('Is Tuesday morning fine?')).toBeVisible();
  await staff.getByLabel(/Internal note: the customer never sees it/).check();
  await staff.getByLabel(/Internal note \(staff only\)/).fill('Bring the long wrench');
  await staff.getByRole('button', { name: 'Add note' }).click();
  await expect(staff.getByText('Bring the long wrench')).toBeVisible();
  await staff.getByLabel('Write a message').fill('Tuesday at 9 works for us');
  await staff.getByRole('button', { name: 'Send' }).click();
  await expect(staff.getByText('Tuesday at 9 works for us')).toBeVisible();
  await staff.getByRole('button', { name: 'Approve as a job' }).click();
  await expect(staff.getByRole('link', { name: 'Open the job' })).toBeVisible();
  await staff.close();

  await page.goto(requestUrl);
  await expect(page.getByTestId('request-state')).toHaveText('Approved');
  // The reply, never the internal note.
  await expect(page.getByText('Tuesday at 9 works for us')).toBeVisible();
  await expect(page.getByText('Bring the long wrench')).toHaveCount(0);
  await expectAccessible(page, 'customer request with its conversation');
  await page.getByRole('link', { name: 'Follow the job' }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
});

test('portal: staff decline a request with a reason, which the customer sees', async ({ page, browser, request }) => {
  const customer = await Api.as(request, logins.riverside);
  const title = `Paint the fence ${RUN}`;
  const draft = await customer.call('POST', '/job-requests', { title, description: 'The whole fence' });
  await customer.call('POST', `/job-requests/${draft.id}/submit`, {});

  const staff = await browser.newPage();
  await signIn(staff, logins.acmeAdmin);
  await staff.goto(`/admin/requests/${draft.id}`);
  await staff.getByLabel('Reason to decline').fill('We do not paint fences');
  await staff.getByRole('button', { name: 'Decline' }).click();
  await expect(staff.getByTestId('request-state')).toHaveText('Declined');
  await staff.close();

  await signIn(page, logins.riverside);
  await page.goto(`/portal/requests/${draft.id}`);
  await expect(page.getByTestId('request-state')).toHaveText('Declined');
  await expect(page.getByText('We do not paint fences').first()).toBeVisible();
});

test('portal: the admin revokes an invitation, chooses the digest, reads the weekly report and filters the queue by place', async ({ page, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const customer = await Api.as(request, logins.riverside);
  const customerName = 'Riverside Cafe';
  const customerId = await admin.customerId(customerName);
  const places = await admin.call('GET', `/customers/${customerId}/locations`);
  const place = places.items[0];
  const invited = `revoke-${RUN}@home.example`;
  await admin.call('POST', `/customers/${customerId}/portal-invitations`, { email: invited });
  // A request at the customer's first place, waiting; another declined with a reason.
  const waiting = await customer.call('POST', '/job-requests', { title: `Gate hinge ${RUN}`, service_location_id: place.id });
  await customer.call('POST', `/job-requests/${waiting.id}/submit`, {});
  const declined = await customer.call('POST', '/job-requests', { title: `Roof ${RUN}` });
  await customer.call('POST', `/job-requests/${declined.id}/submit`, {});
  await admin.call('POST', `/job-requests/${declined.id}/reject`, { reason: `Too high ${RUN}` });

  await signIn(page, logins.acmeAdmin);
  await page.goto('/admin/portal');
  const invitations = page.getByRole('list', { name: 'Open invitations' });
  await expect(invitations.getByText(invited)).toBeVisible();
  await page.getByRole('button', { name: `Revoke the invitation of ${invited}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText(invited)).toHaveCount(0);

  const digest = page.getByRole('form', { name: 'Daily digest' });
  const myself = `(${logins.acmeAdmin.email})`;
  await digest.getByLabel(myself).check();
  await digest.getByLabel('Send it from').selectOption('9');
  await digest.getByRole('button', { name: 'Save digest' }).click();
  await expect(page.getByText('Digest saved')).toBeVisible();
  await page.reload();
  await expect(digest.getByLabel(myself)).toBeChecked();
  await expect(digest.getByLabel('Send it from')).toHaveValue('9');

  const reasons = page.getByRole('region', { name: 'Why requests were declined' });
  await expect(reasons.getByText(`Too high ${RUN}`)).toBeVisible();
  await expect(page.getByRole('figure', { name: 'The portal per week' })).toBeVisible();
  await expectAccessible(page, 'portal admin: invitations, digest, weekly report');

  await page.goto('/admin/requests');
  await page.getByLabel('Customer', { exact: true }).selectOption({ label: customerName });
  await page.getByLabel('Place').selectOption({ label: place.name });
  await expect(page.getByRole('link', { name: new RegExp(`Gate hinge ${RUN}`) })).toBeVisible();
  await expectAccessible(page, 'review queue filtered by place');
});

test('portal: the admin invites a customer from its page, and the invitation is open on the portal page', async ({ page, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const customerName = 'Riverside Cafe';
  const customerId = await admin.customerId(customerName);
  const invited = `invite-${RUN}@home.example`;

  await signIn(page, logins.acmeAdmin);
  await page.goto(`/admin/customers/${customerId}`);
  const form = page.getByRole('form', { name: `Invite ${customerName} to the portal` });
  const email = form.getByLabel('Email to invite');
  await email.fill('not an email');
  await form.getByRole('button', { name: 'Invite to the portal' }).click();
  await expect(form.getByText('Enter a valid email address')).toBeVisible();
  await email.fill(invited);
  await form.getByRole('button', { name: 'Invite to the portal' }).click();
  await expect(form.getByRole('status')).toContainText(`Invitation sent to ${invited}`);
  await expectAccessible(page, 'customer page: invite to the portal');

  await page.goto('/admin/portal');
  const invitations = page.getByRole('list', { name: 'Open invitations' });
  await expect(invitations.getByText(invited)).toBeVisible();
  await expect(invitations.locator('li', { hasText: invited }).getByText(`for ${customerName}`)).toBeVisible();
  // Leave no open invitation behind for the other tests.
  await page.getByRole('button', { name: `Revoke the invitation of ${invited}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText(invited)).toHaveCount(0);
});

test('portal: staff approve a pending registration into an existing customer', async ({ page, request }) => {
  test.skip(!MAIL_DIR, 'needs E2E_MAIL_DIR, the server’s MAIL_DIR (scripts/test/test-web.sh sets both)');
  const admin = await Api.as(request, logins.boltAdmin);
  const before = await admin.call('GET', '/portal-settings');
  await admin.call('PUT', '/portal-settings', { registration_mode: 'approval', locked_fields: before.locked_fields, job_status_mails: before.job_status_mails });
  try {
    const existing = (await admin.call('GET', '/customers?limit=1')).items[0];
    const email = `pending-${RUN}@home.example`;
    const name = `Paula Pending ${RUN}`;
    const registered = await request.post('/api/v1/portal/bolt/register', {
      data: { name, email, password: STRONG, accept_terms: true },
    });
    expect(registered.status(), await registered.text()).toBe(202);
    const link = new URL(await mailedLink(email, /https?:\/\/\S+\/p\/bolt\/verify#token=[A-Za-z0-9_-]+/));
    const verified = await request.post('/api/v1/portal/verify', { data: { token: link.hash.replace('#token=', '') } });
    expect(verified.status(), await verified.text()).toBe(200);

    await signIn(page, logins.boltAdmin);
    await page.goto('/admin/portal');
    const pending = page.getByRole('list', { name: 'Pending registrations' }).locator('li', { hasText: email });
    await expect(pending.getByLabel(/A new customer/)).toBeChecked();
    await pending.getByLabel('An existing customer').check();
    await pending.getByLabel(`Find a customer for ${name}`).fill(existing.name);
    // selectOption waits for the searched customer's option to be there.
    await pending.getByRole('combobox', { name: `Customer for ${name}`, exact: true }).selectOption({ value: existing.id });
    await expectAccessible(page, 'portal admin: approve into an existing customer');
    await pending.getByRole('button', { name: 'Approve into this customer' }).click();
    await expect(page.getByText(`${name} approved`)).toBeVisible();
    await expect(page.getByRole('list', { name: 'Pending registrations' }).getByText(email)).toHaveCount(0);

    const approved = await admin.call('GET', '/portal-accounts?state=approved&limit=100');
    const account = approved.items.find((a: { email: string }) => a.email === email);
    expect(account?.customer_id).toBe(existing.id);
  } finally {
    await admin.call('PUT', '/portal-settings', {
      registration_mode: before.registration_mode,
      locked_fields: before.locked_fields,
      job_status_mails: before.job_status_mails,
    });
  }
});
