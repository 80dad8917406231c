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
