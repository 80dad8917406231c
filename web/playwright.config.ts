import { defineConfig } from '@playwright/test';

// Runs against a real `fieldops serve` (scripts/test/test-web.sh starts one on an
// ephemeral cluster). Drives Debian's Chromium: no browser download.
const baseURL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8091';

export default defineConfig({
  testDir: './e2e',
  outputDir: './e2e/.out/results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    baseURL,
    headless: true,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-quic',
        '--disable-sync',
      ],
    },
  },
});
