import { expect, test, type Page } from '@playwright/test';
import { Api, MOBILE, TAG, expectAccessible, logins, shot, signIn } from './helpers';

test.use({ viewport: MOBILE, isMobile: true, hasTouch: true });

/** A real JPEG photo, drawn and encoded by the browser itself. */
async function photo(page: Page, name: string, color: string) {
  const base64 = await page.evaluate(async (fill) => {
    const canvas = document.createElement('canvas');
    canvas.width = 800;
    canvas.height = 600;
    const context = canvas.getContext('2d')!;
    context.fillStyle = fill;
    context.fillRect(0, 0, 800, 600);
    context.fillStyle = '#fff';
    context.fillRect(200, 150, 400, 300);
    const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), 'image/jpeg', 0.8));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = '';
    bytes.forEach((b) => (text += String.fromCharCode(b)));
    return btoa(text);
  }, color);
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from(base64, 'base64') };
}

test('a worker photographs the work before and after on a phone, and the admin sees the gallery', async ({ page, browser, request }) => {
  const admin = await Api.as(request, logins.acmeAdmin);
  const wendy = await admin.userId('wendy@acme.example');
  const customer = await admin.customerId('Riverside Cafe');
  const job = await admin.createJob({ customer_id: customer, title: `Replace the leaking valve${TAG}`, assigned_worker_id: wendy });

  await signIn(page, logins.wendy);
  await page.goto(`/worker/jobs/${job.id}`);
  await expect(page.getByRole('heading', { name: job.title })).toBeVisible();
  await page.getByLabel('Before photos').setInputFiles([await photo(page, 'valve-before-1.jpg', '#8b0000'), await photo(page, 'valve-before-2.jpg', '#a52a2a')]);
  await expect(page.getByRole('list', { name: 'Uploads' }).getByText('Uploaded')).toHaveCount(2);
  await page.getByLabel('After photos').setInputFiles([await photo(page, 'valve-after-1.jpg', '#006400'), await photo(page, 'valve-after-2.jpg', '#228b22')]);
  await expect(page.getByRole('list', { name: 'Uploads' }).getByText('Uploaded')).toHaveCount(2);
  const before = page.getByRole('region', { name: 'Before photos' });
  const after = page.getByRole('region', { name: 'After photos' });
  await expect(before.getByRole('img')).toHaveCount(2);
  await expect(after.getByRole('img')).toHaveCount(2);
  // Really shown: the thumbnails' bytes arrived and decoded.
  await expect.poll(() => before.getByRole('img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth))).toEqual([240, 240]);
  await expectAccessible(page, 'worker job with photos');
  await shot(page, 'worker-job-photos-mobile');

  // The admin, on another device, sees the same four in their groups.
  const desk = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(desk, logins.acmeAdmin);
  await desk.goto(`/admin/jobs/${job.id}`);
  const adminBefore = desk.getByRole('region', { name: 'Before photos' });
  await expect(adminBefore.getByRole('img')).toHaveCount(2);
  await expect(desk.getByRole('region', { name: 'After photos' }).getByRole('img')).toHaveCount(2);
  await expect(adminBefore.getByRole('img', { name: 'valve-before-1.jpg' })).toBeVisible();
  // The full-size viewer.
  await adminBefore.getByRole('button', { name: 'View valve-before-1.jpg' }).click();
  const full = desk.getByRole('dialog').getByRole('img', { name: 'valve-before-1.jpg' });
  await expect(full).toBeVisible();
  await expect.poll(() => full.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(800);
  await shot(desk, 'admin-job-gallery');
  await desk.close();

  const files = await admin.call('GET', `/jobs/${job.id}/attachments`);
  expect(files.map((f: { group: string }) => f.group).sort()).toEqual(['after', 'after', 'before', 'before']);
  expect(files.every((f: { has_thumbnails: boolean }) => f.has_thumbnails)).toBe(true);

  // Marked for the customer, one photo shows on the job's share link; the internal ones do not.
  await admin.call('PATCH', `/attachments/${files[0].id}`, { visibility: 'customer' });
  const link = await admin.call('POST', `/jobs/${job.id}/share-links`, {});
  await page.goto(new URL(link.url).pathname);
  const shared = page.getByRole('list', { name: 'Photos' }).getByRole('img');
  await expect(shared).toHaveCount(1);
  await expect.poll(() => shared.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(240);
  await shot(page, 'share-page-photos-mobile');
});

test('a customer attaches a PDF drawing to a request', async ({ page, request }) => {
  const customer = await Api.as(request, logins.riverside);
  const me = await customer.call('GET', '/auth/me');
  const sites = await customer.call('GET', `/customers/${me.customer_id}/locations`);
  const draft = await customer.call('POST', '/job-requests', {
    title: `New cabinet in the back room${TAG}`,
    description: 'See the drawing',
    service_location_id: sites.items[0].id,
  });

  await signIn(page, logins.riverside);
  await page.goto(`/portal/requests/${draft.id}`);
  await expect(page.getByRole('heading', { name: draft.title })).toBeVisible();
  const drawing = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
  await page.getByLabel('Attach a photo or PDF').setInputFiles({ name: 'cabinet-drawing.pdf', mimeType: 'application/pdf', buffer: Buffer.from(drawing) });
  await expect(page.getByRole('list', { name: 'Uploads' }).getByText('Uploaded')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Documents' }).getByRole('button', { name: 'cabinet-drawing.pdf' })).toBeVisible();
  await expectAccessible(page, 'request with a drawing');
  await shot(page, 'portal-request-drawing-mobile');

  // The office sees it on the request, customer-visible.
  const admin = await Api.as(request, logins.acmeAdmin);
  const files = await admin.call('GET', `/job-requests/${draft.id}/attachments`);
  expect(files.map((f: { file_name: string; visibility: string; content_type: string }) => [f.file_name, f.visibility, f.content_type])).toEqual([
    ['cabinet-drawing.pdf', 'customer', 'application/pdf'],
  ]);
});
