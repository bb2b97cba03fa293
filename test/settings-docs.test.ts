// The settings an IT admin reads about are the settings the code has: every key of the settings schemas
// (src/config.ts, and each platform's as the adapter registry declares it) is in .env.example and in the
// settings table of its guide (docs/operations.md for the core, docs/setup-<platform>.md for a platform's),
// with the default the schema gives, and no table or example lists a setting the code does not read. A
// platform added to adapters/index.ts is checked without editing this test.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adapters } from '../adapters/index.ts';
import { configSchema } from '../src/config.ts';
import { SECRET, settingDefault, settingsMessage } from '../src/config-issues.ts';

type Schema = z.ZodObject<z.ZodRawShape>;
const CORE_GUIDE = 'docs/operations.md';
/** Where each schema's settings are documented: the core's, then every declared platform's. */
const homes: { schema: Schema; guide: string }[] = [
  { schema: configSchema as unknown as Schema, guide: CORE_GUIDE },
  ...adapters.declarations.map((d) => ({ schema: d.schema as Schema, guide: `docs/setup-${d.name}.md` })),
];
const schemas = homes.map((h) => h.schema);
const keys = [...new Set(schemas.flatMap((s) => Object.keys(s.shape)))].sort();

/**
 * The guide whose settings table lists the key: the first schema that reads it (DATABASE_URL is the core's,
 * though an adapter reads it too, for its connection lock).
 */
function home(key: string): string {
  return homes.find((h) => key in h.schema.shape)!.guide;
}
const guides = [...new Set(homes.map((h) => h.guide))];

function schemaOf(key: string): Schema {
  return schemas.find((s) => key in s.shape)!;
}

/** A stated default is right when the schema reads it as it reads the setting left out. */
function sameAsDefault(key: string, stated: string | undefined): boolean {
  const fallback = settingDefault(schemaOf(key), key);
  if (stated === undefined) return fallback === undefined || fallback === '';
  const read = (schemaOf(key).shape[key] as z.ZodType).safeParse(stated);
  return read.success && isDeepStrictEqual(read.data, fallback);
}

type Stated = { key: string; stated: string | undefined; where: string };

/**
 * Rows of the markdown tables whose header starts with "setting" and has a "default" column: the keys in
 * backticks in the first cell, the default in backticks in the default cell (no backticks: none).
 */
function tableRows(file: string): Stated[] {
  const rows: Stated[] = [];
  let defaultColumn = -1;
  for (const [n, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.startsWith('|')) {
      defaultColumn = -1;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (/^setting/i.test(cells[0] ?? '')) {
      defaultColumn = cells.findIndex((c) => /^default/i.test(c));
      continue;
    }
    if (defaultColumn < 0 || /^-+$/.test(cells[0] ?? '')) continue;
    const stated = /`([^`]*)`/.exec(cells[defaultColumn] ?? '')?.[1];
    for (const [, key] of (cells[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g))
      rows.push({ key: key!, stated, where: `${file}:${n + 1}` });
  }
  return rows;
}

/** `#KEY=value` lines of .env.example: the value shown is the default (empty: none). */
function envExampleRows(): Stated[] {
  return readFileSync('.env.example', 'utf8')
    .split('\n')
    .flatMap((line, n) => {
      const m = /^#?([A-Z][A-Z0-9_]+)=(.*)$/.exec(line);
      if (!m) return [];
      const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
      return [{ key: m[1]!, stated: value === '' ? undefined : value, where: `.env.example:${n + 1}` }];
    });
}

describe('settings in the docs and the code', () => {
  it('the schemas are found (the test reads something)', () => {
    expect(keys).toEqual(expect.arrayContaining(['PORT', 'SLACK_API_RETRIES', 'WECOM_UPDATE_WINDOW_MS']));
    expect(keys.length).toBeGreaterThan(50);
    // Every declared platform gives a zod object schema with settings of its own.
    for (const d of adapters.declarations) {
      expect(Object.keys((d.schema as Schema).shape ?? {}).length, d.name).toBeGreaterThan(0);
      expect(guides).toContain(`docs/setup-${d.name}.md`);
    }
  });

  it.each(['.env.example', ...guides])(
    '%s lists only settings the code reads, with their defaults',
    (file) => {
      const rows = file === '.env.example' ? envExampleRows() : tableRows(file);
      expect(rows.length).toBeGreaterThan(3);
      expect(rows.filter((r) => !keys.includes(r.key)).map((r) => `${r.where} ${r.key}`)).toEqual([]);
      const wrong = rows
        .filter((r) => keys.includes(r.key) && !sameAsDefault(r.key, r.stated))
        .map(
          (r) =>
            `${r.where} ${r.key}: ${r.stated ?? 'no default'}, the code: ${settingDefault(schemaOf(r.key), r.key)}`,
        );
      expect(wrong).toEqual([]);
    },
  );

  it('every setting is in .env.example and in the settings table of its guide', () => {
    const inExample = new Set(envExampleRows().map((r) => r.key));
    expect(keys.filter((k) => !inExample.has(k))).toEqual([]);
    const tabled = new Map(guides.map((g) => [g, new Set(tableRows(g).map((r) => r.key))]));
    // DATABASE_URL is the core's (operations.md); the WeCom schema reads it too, for its lock.
    expect(keys.filter((k) => !tabled.get(home(k))!.has(k)).map((k) => `${home(k)}: ${k}`)).toEqual([]);
  });

  it('a wrong default in a table is found (the check can fail)', () => {
    expect(sameAsDefault('SLACK_API_RETRIES', '2')).toBe(false); // the client's own default, not 2
    expect(sameAsDefault('SLACK_API_RETRIES', undefined)).toBe(true);
    expect(sameAsDefault('WECOM_UPDATE_WINDOW_MS', '4500')).toBe(true);
    expect(sameAsDefault('DINGTALK_API_URL', 'https://api.dingtalk.com/')).toBe(true); // read the same
    expect(sameAsDefault('QUEUE_WORKERS', 'off')).toBe(false);
  });

  it('a secret, token, password or key setting is never echoed in a settings error; a URL shows no password', () => {
    const secrets = keys.filter((k) => /SECRET|TOKEN|PASSWORD|KEY/.test(k));
    expect(secrets).toEqual(expect.arrayContaining(['FEISHU_ENCRYPT_KEY', 'WECOM_ENCODING_AES_KEY']));
    expect(secrets.filter((k) => !SECRET.test(k))).toEqual([]);
    const schema = z.object({
      X_ENCRYPT_KEY: z.string().min(40),
      X_PORT: z.coerce.number().int(),
      X_URL: z.string().startsWith('postgres://'),
    });
    const env = { X_ENCRYPT_KEY: 'short-key-value', X_PORT: 'eighty', X_URL: 'mysql://app:hunter2@db/x' };
    const parsed = schema.safeParse(env);
    expect(parsed.success).toBe(false);
    const message = settingsMessage('Invalid:', schema, parsed.error!, env);
    expect(message).toMatch(/X_ENCRYPT_KEY: /);
    expect(message).not.toContain('short-key-value');
    expect(message).toContain('(is "eighty")');
    expect(message).toContain('mysql://app:***@db/x');
    expect(message).not.toContain('hunter2');
  });
});
