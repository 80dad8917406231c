// Measures what each surface downloads: the entry chunk plus the lazy chunks of
// its layout and pages, with everything they import statically, gzipped.
// Writes dist/bundle-report.json and fails the build if the worker surface
// exceeds its budget (150 KB gzipped).
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${dist}.vite/manifest.json`, 'utf8'));
const BUDGET_KB = { worker: 150 };

const entry = Object.entries(manifest).find(([, c]) => c.isEntry)?.[0];
if (!entry) throw new Error('no entry chunk in the manifest');

function closure(keys) {
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const dep of manifest[key]?.imports ?? []) visit(dep);
  };
  keys.forEach(visit);
  return seen;
}

function gzipKB(keys) {
  let bytes = 0;
  for (const key of keys) {
    const file = manifest[key].file;
    if (file.endsWith('.js')) bytes += gzipSync(readFileSync(dist + file), { level: 9 }).length;
  }
  return Math.round((bytes / 1024) * 10) / 10;
}

const byPrefix = (prefix) => Object.keys(manifest).filter((k) => k.startsWith(prefix));
const surfaces = {
  worker: ['src/app/layouts/WorkerLayout.tsx', ...byPrefix('src/app/routes/worker/')],
  customer: ['src/app/layouts/PortalLayout.tsx', ...byPrefix('src/app/routes/portal/')],
  admin: ['src/app/layouts/AdminLayout.tsx', ...byPrefix('src/app/routes/admin/')],
  login: ['src/app/routes/LoginRoute.tsx'],
  share: ['src/app/routes/ShareRoute.tsx'],
};

const report = { entryKB: gzipKB(closure([entry])), surfaces: {} };
for (const [name, keys] of Object.entries(surfaces)) {
  const missing = keys.filter((k) => !manifest[k]);
  if (missing.length) throw new Error(`not in the manifest: ${missing.join(', ')}`);
  report.surfaces[name] = { gzipKB: gzipKB(closure([entry, ...keys])), budgetKB: BUDGET_KB[name] ?? null };
}
writeFileSync(`${dist}bundle-report.json`, `${JSON.stringify(report, null, 2)}\n`);

console.log('\nJavaScript per surface (entry + its lazy routes, gzipped):');
for (const [name, r] of Object.entries(report.surfaces)) {
  console.log(`  ${name.padEnd(9)} ${String(r.gzipKB).padStart(6)} KB${r.budgetKB ? `  (budget ${r.budgetKB} KB)` : ''}`);
}
const over = Object.entries(report.surfaces).filter(([, r]) => r.budgetKB && r.gzipKB > r.budgetKB);
if (over.length) {
  console.error(`over budget: ${over.map(([n, r]) => `${n} ${r.gzipKB} KB > ${r.budgetKB} KB`).join(', ')}`);
  process.exit(1);
}
