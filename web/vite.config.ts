/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API under /api/v1 is same-origin in production (`fieldops serve` serves
// dist/). In development, `npm run dev` proxies it to a running server.
const apiTarget = process.env.FIELDOPS_API ?? 'http://127.0.0.1:8091';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy: { '/api': apiTarget } },
  build: {
    // Hashed names under assets/ are served with `Cache-Control: immutable`.
    assetsDir: 'assets',
    manifest: true,
    sourcemap: false,
    target: 'es2022',
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
