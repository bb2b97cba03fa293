// The shape the project keeps (issue 15, docs/architecture.md): the core in src/ names no platform, each
// channel in adapters/<name>/ talks to the core only through the port (src/port/index.ts) and never through
// another adapter, and only the composition roots (src/app.ts, src/worker.ts) know which adapters exist.
// Read from the files themselves, so a new file that breaks the shape fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...filesUnder(path));
    else if (/\.(ts|mts|tsx)$/.test(name)) out.push(path);
  }
  return out;
}

/** The repository-relative files a source file imports (relative imports only; packages are not ours). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [
    ...text.matchAll(/(?:import|export)[^'";]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g),
  ];
  return specs.map((m) => normalize(relative(ROOT, resolve(ROOT, dirname(file), m[1] ?? m[2]!))));
}

const PLATFORM_NAMES =
  /\b(slack|dingtalk|ding\s?talk|wecom|wechat|weixin|feishu|lark(?:suite)?)\b|钉钉|企业微信|飞书/i;

const srcFiles = filesUnder('src');
const adapterFiles = filesUnder('adapters');
const adapterOf = (file: string) => file.split('/')[1]!;

describe('the core (src/) names no platform', () => {
  it('no source file of src/ mentions a platform, not even in a comment', () => {
    const naming = srcFiles.flatMap((f) =>
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .map((line, i) => ({ at: `${f}:${i + 1}`, line }))
        .filter(({ line }) => PLATFORM_NAMES.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(naming).toEqual([]);
  });

  it('only the composition roots import adapters, and only the registry and the console', () => {
    const uses = srcFiles.flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith('adapters/'))
        .map((i) => `${f} → ${i}`),
    );
    const allowed = new Set(['src/app.ts', 'src/worker.ts']);
    expect(uses.filter((u) => !allowed.has(u.split(' → ')[0]!))).toEqual([]);
    expect(
      uses
        .map((u) => u.split(' → ')[1])
        .filter((i) => i !== 'adapters/index.ts' && !i?.startsWith('adapters/console/')),
    ).toEqual([]);
  });
});

describe('each adapter talks to the core only through the port', () => {
  it('an adapter imports nothing of src/ but src/port/index.ts', () => {
    const reaching = adapterFiles.flatMap((f) =>
      importsOf(f)
        .filter((i) => i.startsWith('src/') && i !== 'src/port/index.ts')
        .map((i) => `${f} → ${i}`),
    );
    expect(reaching).toEqual([]);
  });

  it('an adapter imports no other adapter (it can be read alone)', () => {
    const crossing = adapterFiles
      .filter((f) => f !== 'adapters/index.ts')
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.startsWith('adapters/') && adapterOf(i) !== adapterOf(f))
          .map((i) => `${f} → ${i}`),
      );
    expect(crossing).toEqual([]);
  });

  it('the check sees the imports it is about (it cannot pass by reading nothing)', () => {
    expect(adapterFiles.length).toBeGreaterThan(10);
    expect(adapterFiles.some((f) => importsOf(f).includes('src/port/index.ts'))).toBe(true);
    expect(importsOf('src/app.ts')).toContain('adapters/index.ts');
  });
});

describe('src/ has no import cycles', () => {
  it('no module of the core reaches itself through its imports (a cycle hides an ordering bug at start-up)', () => {
    const graph = new Map(srcFiles.map((f) => [f, importsOf(f).filter((i) => i.startsWith('src/'))]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      path.push(f);
      for (const next of graph.get(f) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' → '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(f, 'done');
    };
    for (const f of srcFiles) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});

// Issue 15: a language is chosen by pick(locale, { en, zh }) (src/i18n/locale.ts) or the message catalogue,
// never by an open-coded `locale === 'en' ? … : …`: a pair must name every language, so a third language is a
// type error wherever a choice is made. A stored tag is read with toLocale / isLocale. No exceptions.
const LANGUAGE_TERNARY = /===\s*'(?:en|zh)'\s*\?/;

describe('no language is chosen by an open-coded ternary', () => {
  it("no file of src/ or adapters/ has `=== 'en' ? … : …` (pick(locale, { en, zh }) instead)", () => {
    const found = [...srcFiles, ...adapterFiles].flatMap((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      return [...text.matchAll(new RegExp(LANGUAGE_TERNARY, 'g'))].map(
        (m) => `${f}:${text.slice(0, m.index).split('\n').length}`,
      );
    });
    expect(found).toEqual([]);
  });

  it('the check sees a ternary across lines, as the formatter writes a long one', () => {
    expect(LANGUAGE_TERNARY.test("l === 'en'\n    ? 'yes'\n    : '是'")).toBe(true);
    expect(LANGUAGE_TERNARY.test("pick(l, { en: 'yes', zh: '是' })")).toBe(false);
  });
});
