// Prints the gzipped size of what the first page load fetches: the entry script, the chunks it
// preloads (index.html's modulepreload links) and the CSS. Fails above the 200 KB JS budget.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const BUDGET = 200 * 1024;
let js = 0;
let css = 0;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log('Initial load (gzipped):');
for (const ref of [...new Set(refs)]) {
  const raw = readFileSync(join(dist, ref));
  const gz = gzipSync(raw, { level: 9 }).length;
  if (ref.endsWith('.js')) js += gz;
  else css += gz;
  console.log(`  ${ref.padEnd(48)} ${kb(raw.length).padStart(10)} raw  ${kb(gz).padStart(9)} gzip`);
}
const lazy = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js') && !refs.includes(`assets/${f}`));
let lazyTotal = 0;
for (const f of lazy) lazyTotal += gzipSync(readFileSync(join(dist, 'assets', f)), { level: 9 }).length;
console.log(`Initial JS: ${kb(js)} gzipped (budget ${kb(BUDGET)}); CSS: ${kb(css)} gzipped`);
console.log(`Lazy route chunks: ${lazy.length} files, ${kb(lazyTotal)} gzipped in total`);
if (js > BUDGET) {
  console.error('Initial JS is over budget');
  process.exit(1);
}
