import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PASSWORD = 'fieldops-demo';
/** Unique per run: keeps emails unique when the suites run twice against one server. */
export const RUN = process.env.E2E_RUN_ID ?? Date.now().toString(36);
/** Suffix for display names: empty on a fresh database (E2E_PLAIN_NAMES=1), so screenshots read naturally. */
export const TAG = process.env.E2E_PLAIN_NAMES ? '' : ` ${RUN}`;
export const MOBILE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

export const logins = {
  acmeAdmin: { company: 'acme', email: 'admin@acme.example' },
  wendy: { company: 'acme', email: 'wendy@acme.example' },
  bill: { company: 'acme', email: 'bill@acme.example' },
  riverside: { company: 'acme', email: 'owner@riverside.example' },
  boltAdmin: { company: 'bolt', email: 'admin@bolt.example' },
} as const;
/** A demo login, or one a test made. */
export type Login = { company: string; email: string };

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, who: Login) {
  await page.goto('/login');
  await page.getByLabel('Company').fill(who.company);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login/);
}

/** An API session for setting up data (JSON client: token in the body). */
export class Api {
  private constructor(
    private readonly request: APIRequestContext,
    private readonly token: string,
  ) {}

  static async as(request: APIRequestContext, who: Login): Promise<Api> {
    const res = await request.post('/api/v1/auth/login', { data: { ...who, password: PASSWORD } });
    expect(res.status(), await res.text()).toBe(200);
    return new Api(request, (await res.json()).access_token);
  }

  async call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, data?: unknown, expected = [200, 201, 204]): Promise<T> {
    const res = await this.request.fetch(`/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}` },
      ...(data === undefined ? {} : { data }),
    });
    expect(expected, `${method} ${path}: ${res.status()} ${await res.text()}`).toContain(res.status());
    return res.status() === 204 ? (undefined as T) : res.json();
  }

  async userId(email: string): Promise<string> {
    const page = await this.call('GET', `/users?q=${encodeURIComponent(email)}`);
    const user = page.items.find((u: { email: string }) => u.email === email);
    expect(user, `user ${email}`).toBeTruthy();
    return user.id;
  }

  async customerId(name: string): Promise<string> {
    const page = await this.call('GET', `/customers?q=${encodeURIComponent(name)}`);
    const customer = page.items.find((c: { name: string }) => c.name === name);
    expect(customer, `customer ${name}`).toBeTruthy();
    return customer.id;
  }

  async statuses(): Promise<{ id: string; name: string; is_final: boolean; requires_tasks_done: boolean }[]> {
    return this.call('GET', '/job-statuses');
  }

  async createJob(body: {
    customer_id: string;
    title: string;
    description?: string;
    assigned_worker_id?: string;
    tasks?: string[];
    status_id?: string;
    service_location_id?: string;
  }) {
    return this.call('POST', '/jobs', body);
  }
}

/** No serious or critical axe-core violations on the page as it is now. */
export async function expectAccessible(page: Page, context: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`),
    `axe on ${context}`,
  ).toEqual([]);
}

const SHOTS = process.env.E2E_SCREENSHOT_DIR ?? 'e2e/.out/screenshots';

/** Saves a full-page screenshot (the committed set is picked from these). */
export async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(async () => {
    window.scrollTo(0, 0);
    await document.fonts?.ready;
  });
  await page.screenshot({
    path: `${SHOTS}/${name}.png`,
    fullPage: true,
    animations: 'disabled',
    caret: 'hide',
    style: '.toaster { display: none !important; }',
  });
}

/** Every visible interactive control in `selector` is at least 44×44 CSS px (or a text-wrapping label wider than tall). */
export async function expectTouchTargets(page: Page, selector: string) {
  const small = await page.locator(selector).evaluateAll((els) =>
    els
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.height < 44)
      .map(({ el, r }) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}×${Math.round(r.height)}`),
  );
  expect(small, 'controls under 44px tall').toEqual([]);
}

/**
 * The link matching `pattern` in the newest mail to `to`, once the server has
 * written it (MAIL_DIR of scripts/test/test-web.sh, given as E2E_MAIL_DIR: no
 * SMTP server there, so each mail is an .eml file).
 */
export async function mailedLink(to: string, pattern: RegExp): Promise<string> {
  const dir = process.env.E2E_MAIL_DIR;
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const files = dir ? readdirSync(dir).filter((f) => f.endsWith('.eml')).sort() : [];
        for (const file of files.reverse()) {
          // Quoted-printable: soft line breaks and =XX escapes.
          const text = readFileSync(join(dir as string, file), 'utf8')
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
          if (!text.includes(`To: ${to}`)) continue;
          link = text.match(pattern)?.[0];
          if (link) return true;
        }
        return false;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  return link as string;
}
