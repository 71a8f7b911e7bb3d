import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineDescription, type Benchmark } from './harness.js';

// Each bench/*.bench.ts default-exports a Benchmark. `npm run bench` runs all of them; `npm run bench -- NAME...`
// runs the named ones. bench/RESULTS.md keeps one section per benchmark, replaced when that one is re-run.
const dir = path.dirname(fileURLToPath(import.meta.url));
const resultsFile = path.join(dir, 'RESULTS.md');
const wanted = process.argv.slice(2);

const benches: Benchmark[] = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()) {
  const mod = (await import(path.join(dir, file))) as { default: Benchmark };
  if (wanted.length === 0 || wanted.includes(mod.default.name)) benches.push(mod.default);
}
if (wanted.length > 0 && benches.length !== wanted.length) {
  console.error(`unknown benchmark in: ${wanted.join(', ')}`);
  process.exit(2);
}

const measured = new Map<string, string>();
for (const b of benches) {
  console.error(`bench ${b.name}: ${b.title}`);
  const body = await b.run();
  const stamp = `_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machineDescription()}._\n\n`;
  measured.set(b.name, `## ${b.title}\n\n${stamp}${body.trim()}\n`);
}
// Read the other sections only now: a benchmark run in parallel may have rewritten them while this one ran.
const sections = new Map<string, string>();
if (existsSync(resultsFile)) {
  const text = readFileSync(resultsFile, 'utf8');
  for (const m of text.matchAll(/<!-- bench:(\S+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g)) sections.set(m[1], m[2]);
}
for (const [name, body] of measured) sections.set(name, body);
const out = ['# Benchmark results', '', 'Written by `npm run bench`; each section records the machine and date it was measured on.', ''];
for (const [name, body] of [...sections.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  out.push(`<!-- bench:${name} -->`, body.trimEnd(), `<!-- /bench:${name} -->`, '');
}
writeFileSync(resultsFile, out.join('\n'));
console.error(`wrote ${path.relative(process.cwd(), resultsFile)}`);
