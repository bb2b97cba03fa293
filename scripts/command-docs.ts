// Regenerates what is made from the command table: the index of docs/commands.en.md and docs/commands.zh.md
// (src/commands/reference.ts) and the Slack app manifest's slash commands (adapters/slack/manifest-commands.ts,
// from the command metadata the port exports); `--check` only says whether they are up to date (exit 1 if not).
import { readFileSync, writeFileSync } from 'node:fs';
import { withSlashCommands } from '../adapters/slack/manifest-commands.ts';
import { commandMetadata } from '../src/commands/metadata.ts';
import { withIndex } from '../src/commands/reference.ts';
import { commandTable } from '../src/flows/index.ts';

const check = process.argv.includes('--check');
const table = commandTable();
const generated: { file: string; what: string; make: (before: string) => string }[] = [
  ...(['en', 'zh'] as const).map((l) => ({
    file: `docs/commands.${l}.md`,
    what: 'the command index is',
    make: (before: string) => withIndex(before, table, l),
  })),
  {
    file: 'adapters/slack/manifest.yaml',
    what: 'the slash commands are',
    make: (before: string) => withSlashCommands(before, commandMetadata(table)),
  },
];
let stale = 0;
for (const { file, what, make } of generated) {
  const path = new URL(`../${file}`, import.meta.url);
  const before = readFileSync(path, 'utf8');
  const after = make(before);
  if (after === before) continue;
  stale++;
  if (check) console.error(`${file}: ${what} out of date (npm run docs:commands)`);
  else {
    writeFileSync(path, after);
    console.log(`${file}: ${what.replace(/ (is|are)$/, '')} regenerated`);
  }
}
process.exit(check && stale ? 1 : 0);
