// Regenerates the index of docs/commands.en.md and docs/commands.zh.md from the command table
// (src/commands/reference.ts); `--check` only says whether they are up to date (exit 1 if not).
import { readFileSync, writeFileSync } from 'node:fs';
import { withIndex } from '../src/commands/reference.ts';
import { commandTable } from '../src/flows/index.ts';

const check = process.argv.includes('--check');
const table = commandTable();
let stale = 0;
for (const l of ['en', 'zh'] as const) {
  const path = new URL(`../docs/commands.${l}.md`, import.meta.url);
  const before = readFileSync(path, 'utf8');
  const after = withIndex(before, table, l);
  if (after === before) continue;
  stale++;
  if (check) console.error(`docs/commands.${l}.md: the command index is out of date (npm run docs:commands)`);
  else {
    writeFileSync(path, after);
    console.log(`docs/commands.${l}.md: index regenerated`);
  }
}
process.exit(check && stale ? 1 : 0);
