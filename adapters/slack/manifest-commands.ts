// The app manifest's slash commands (manifest.yaml, features.slash_commands), generated from the command
// metadata the port exports: /crm for every command, and one per noun with an entry point of its own (/lead,
// /quote, /order), its description and usage hint from the command table in English. `npm run docs:commands`
// writes them between the markers; test/command-docs.test.ts fails when the manifest is out of date. The
// adapter reads the same list to know which noun a slash command means (commandText in index.ts).
import type { CommandMetadata, NounInfo } from '../../src/port/index.ts';

export const SLASH_START =
  '  # slash_commands: generated from the command table by npm run docs:commands (adapters/slack/manifest-commands.ts); do not edit';
export const SLASH_END = '  # end of the generated slash_commands';

/** The command for everything: any other name (a renamed `/crm2`) works the same. */
export const MAIN_COMMAND = '/crm';

export type SlashCommand = {
  command: string;
  /** The noun a command of its own stands for; null for /crm. */
  noun: string | null;
  description: string;
  usageHint: string;
};

// Slack's limits (apps.manifest): a command ≤ 32 characters, a description ≤ 2000, a usage hint ≤ 1000.
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** A usage without its noun: `lead add customer=…` → `add customer=…`. */
function afterNoun(noun: NounInfo, usage: string): string {
  const line = oneLine(usage);
  const prefix = `${noun.name.en} `;
  return line.startsWith(prefix) ? line.slice(prefix.length) : line;
}

function nounCommand(noun: NounInfo): SlashCommand {
  const command = `/${noun.name.en}`;
  const verbs = [...new Set(noun.commands.flatMap((c) => (c.verb ? [c.verb] : [])))];
  const forms = noun.commands.filter((c) => c.form).map((c) => `${command} ${c.verb} opens a form`);
  const entry = noun.commands.find((c) => c.entry) ?? noun.commands[0]!;
  return {
    command,
    noun: noun.noun,
    description: clip(
      `${noun.name.en}: ${verbs.join(', ')} (same as ${MAIN_COMMAND} ${noun.name.en} …${forms.length ? `; ${forms.join('; ')}` : ''})`,
      2000,
    ),
    usageHint: clip(afterNoun(noun, entry.usage.en), 1000),
  };
}

/** The manifest's slash commands, in order: /crm, then the nouns with an entry point of their own. */
export function slashCommands(metadata: CommandMetadata): SlashCommand[] {
  const own = metadata.nouns.filter((n) => n.entry);
  const everything = metadata.nouns.map((n) => n.name.en);
  const entries = own.flatMap((n) => n.commands.filter((c) => c.entry).map((c) => `${c.name.en} …`));
  const main: SlashCommand = {
    command: MAIN_COMMAND,
    noun: null,
    description: clip(`Every command: ${everything.join(', ')} (type ${MAIN_COMMAND} help)`, 2000),
    usageHint: clip([...entries, 'help'].join(' | '), 1000),
  };
  const commands = [main, ...own.map(nounCommand)];
  for (const c of commands)
    if (!/^\/[a-z0-9_-]{1,31}$/.test(c.command)) throw new Error(`${c.command}: not a Slack command name`);
  return commands;
}

/** The slash_commands block of the manifest (without its markers), every command at `url`. */
export function slashCommandsYaml(metadata: CommandMetadata, url: string): string {
  // Quoted as the formatter (biome) writes YAML: single quotes around a text with double quotes in it.
  const q = (s: string) => (s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s));
  const lines = ['  slash_commands:'];
  for (const c of slashCommands(metadata))
    lines.push(
      `    - command: ${c.command}`,
      `      url: ${url}`,
      `      description: ${q(c.description)}`,
      `      usage_hint: ${q(c.usageHint)}`,
      '      should_escape: true',
    );
  return lines.join('\n');
}

/** Where Slack sends the app's requests, as the manifest says (kept when the commands are regenerated). */
function requestUrl(manifest: string): string {
  return /^\s+request_url:\s*(\S+)\s*$/m.exec(manifest)?.[1] ?? 'https://salesrelay.example.com/slack/events';
}

/** The manifest with its slash commands regenerated; throws when the markers are missing. */
export function withSlashCommands(manifest: string, metadata: CommandMetadata): string {
  const start = manifest.indexOf(SLASH_START);
  const end = manifest.indexOf(SLASH_END);
  if (start < 0 || end < start)
    throw new Error(`the manifest has no ${SLASH_START.trim()} … ${SLASH_END.trim()} markers`);
  const block = slashCommandsYaml(metadata, requestUrl(manifest));
  return `${manifest.slice(0, start + SLASH_START.length)}\n${block}\n${manifest.slice(end)}`;
}
