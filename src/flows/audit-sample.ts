// audit sample (policy 6, supervision): records picked at random for checking, from one type and month.
// The pick is the database's: records ordered by md5(seed:number), the first n taken, so a seed always
// picks the same records from the same records, and nobody chose them by hand. The seed and what was
// picked are kept (audit_samples), so `audit sample show S-0001` shows the same sample later and draws it
// again from the seed to show it still matches.
import { randomInt } from 'node:crypto';
import { desc, eq, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { k } from '../commands/keys.ts';
import { parseMonth } from '../commands/values.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { isSupervisor } from '../core/permissions.ts';
import { rowsOf } from '../db/rows.ts';
import { auditSamples, people } from '../db/schema.ts';
import { monthBounds } from '../rectify/summary.ts';
import { command } from './common.ts';

const TYPES = {
  order: ['订单', 'orders', 'SO'],
  customer: ['客户', 'customers'],
  lead: ['线索', 'leads'],
  quote: ['报价', 'quotes'],
} as const;
type SampleType = keyof typeof TYPES;

const TYPE_NAMES: Record<SampleType, { en: string; zh: string }> = {
  order: { en: 'orders', zh: '订单' },
  customer: { en: 'customers', zh: '客户' },
  lead: { en: 'leads', zh: '线索' },
  quote: { en: 'quotes', zh: '报价' },
};

const TABLE: Record<SampleType, string> = {
  order: 'orders',
  customer: 'customers',
  lead: 'leads',
  quote: 'quotes',
};

const MAX = 100;

/** The records of a type created in [from, to): how many, and the first n by md5(seed:number). */
async function draw(ctx: FlowContext, type: SampleType, from: Date, to: Date, seed: string, n: number) {
  const table = sql.identifier(TABLE[type]);
  const span = sql`created_at >= ${from.toISOString()}::timestamptz and created_at < ${to.toISOString()}::timestamptz`;
  const [count] = rowsOf<{ n: number | string }>(
    await ctx.tx.execute(sql`select count(*) as n from ${table} where ${span}`),
  );
  const picked = rowsOf<{ number: string }>(
    await ctx.tx.execute(sql`
      select number from ${table} where ${span}
      order by md5(${seed} || ':' || number), number limit ${n}`),
  ).map((r) => r.number);
  return { population: Number(count?.n ?? 0), picked };
}

/** One line per picked record: who is responsible and when it was made, enough to go and check it. */
async function describe(ctx: FlowContext, type: SampleType, refs: string[]): Promise<string[]> {
  if (refs.length === 0) return [];
  const table = sql.identifier(TABLE[type]);
  // Whom to ask about it: the owner (for a customer, who registered it).
  const owner = sql.raw(type === 'customer' ? 'created_by' : 'owner_id');
  const rows = rowsOf<{
    number: string;
    who: string | null;
    created_at: Date | string;
    status: string | null;
  }>(
    await ctx.tx.execute(sql`
      select t.number, p.name as who, t.created_at, t.status
      from ${table} t left join people p on p.id = t.${owner}
      where t.number = any(${`{${refs.join(',')}}`}::text[])`),
  );
  const byRef = new Map(rows.map((r) => [r.number, r]));
  return refs.map((ref, i) => {
    const r = byRef.get(ref);
    if (!r) return `${i + 1}. ${ref} · ${ctx.t({ en: 'no longer exists', zh: '已不存在' })}`;
    return `${i + 1}. ${ref} · ${r.who ?? '—'} · ${ctx.fmtDate(new Date(r.created_at))}${r.status ? ` · ${r.status}` : ''}`;
  });
}

function lastMonth(ctx: FlowContext): string {
  return DateTime.fromJSDate(ctx.now, { zone: ctx.org.timezone }).minus({ months: 1 }).toFormat('yyyy-MM');
}

/** The type a word names (order, 订单, orders, SO), if it names one. */
function typeOf(word: string): SampleType | undefined {
  const w = word.trim().toLowerCase();
  return (Object.keys(TYPES) as SampleType[]).find(
    (t) => t === w || TYPES[t].some((alias) => alias.toLowerCase() === w),
  );
}

type Asked = { n?: string; type?: SampleType; month?: string };

/**
 * `audit sample 5 order 2026-11`: the size, the type and the month may also be written without keys, in
 * any order. Each may be given once, either way.
 */
function positional(words: string[], args: Asked): Asked {
  const out: Asked = { ...args };
  const twice = (what: string, zh: string) => refuseInput(`The ${what} is given twice.`, `${zh}写了两次。`);
  for (const w of words) {
    if (/^\d+$/.test(w)) {
      if (out.n !== undefined) twice('sample size', '件数');
      out.n = w;
      continue;
    }
    const type = typeOf(w);
    if (type) {
      if (out.type !== undefined) twice('record type', '类型');
      out.type = type;
      continue;
    }
    if (/^\d{4}[-/.年]\d{1,2}月?$/.test(w)) {
      const m = parseMonth(w);
      if (!m.ok)
        refuseInput(`${w} is not a month: write it as 2026-11.`, `${w} 不是有效月份：请写作 2026-11。`);
      if (out.month !== undefined) twice('month', '月份');
      if (m.ok) out.month = m.value;
      continue;
    }
    refuseInput(
      `"${w}" is not understood: give how many, the type (order, customer, lead, quote) and the month, e.g. audit sample 10 order 2026-11, or audit sample show S-0001.`,
      `无法理解“${w}”：请写件数、类型（订单、客户、线索、报价）和月份，例如 审计 抽查 10 订单 2026-11，或 审计 抽查 查看 S-0001。`,
    );
  }
  return out;
}

const sample = command({
  noun: 'audit',
  verbs: ['sample'],
  words: [
    { name: { en: 'how many, type, month, or show', zh: '件数、类型、月份或查看' }, required: false },
    { name: { en: 'type, month, or sample number', zh: '类型、月份或抽查编号' }, required: false },
    { name: { en: 'month', zh: '月份' }, required: false },
  ],
  keys: {
    n: k.text(6).optional(),
    kind: k.choice(TYPES).optional(),
    month: k.month().optional(),
    seed: k.text(20).optional(),
  },
  usage: {
    en: 'audit sample [10] [order|customer|lead|quote] [2026-11] [seed=…] · audit sample show S-0001',
    zh: '审计 抽查 [10] [订单|客户|线索|报价] [2026-11] [种子=…] · 审计 抽查 查看 S-0001',
  },
  summary: {
    en: 'pick records at random for checking, kept so the sample can be shown again (supervisors)',
    zh: '随机抽取记录供核查，抽查结果留存可复查（监督组）',
  },
  allow: isSupervisor,
  async run(ctx, { words, args }) {
    if (words.length > 0 && /^(show|查看|view)$/i.test(words[0]!)) {
      if (words.length > 2)
        refuseInput(
          `Show one sample at a time: audit sample show S-0001.`,
          `一次查看一个抽查：审计 抽查 查看 S-0001。`,
        );
      return showSample(ctx, words[1]);
    }
    const asked = positional(words, { n: args.n, type: args.kind, month: args.month });
    const n = asked.n === undefined ? 10 : Number(asked.n);
    if (!Number.isInteger(n) || n < 1 || n > MAX)
      refuseInput(
        `n=${asked.n} is not a sample size: 1 to ${MAX}.`,
        `件数=${asked.n} 无效：应为 1 到 ${MAX}。`,
      );
    const type: SampleType = asked.type ?? 'order';
    const month = asked.month ?? lastMonth(ctx);
    const { from, to } = monthBounds(month, ctx.org.timezone);
    if (from > ctx.now) refuseInput(`${month} has not begun yet.`, `${month} 尚未开始。`);
    if (args.seed !== undefined && !/^\d{1,12}$/.test(args.seed))
      refuseInput(
        `seed=${args.seed} is not a seed: a number, e.g. seed=48213.`,
        `种子=${args.seed} 无效：应为数字，例如 种子=48213。`,
      );
    const seed = args.seed ?? String(randomInt(1, 2 ** 31));
    const { population, picked } = await draw(ctx, type, from, to, seed, n);
    const what = TYPE_NAMES[type];
    if (population === 0)
      return {
        text: ctx.t({
          en: `No ${what.en} were created in ${month}: nothing to sample, nothing recorded.`,
          zh: `${month} 没有新建的${what.zh}，无可抽查，未作记录。`,
        }),
      };
    const [{ n: seq } = { n: 0 }] = rowsOf<{ n: number | string }>(
      await ctx.tx.execute(sql`select nextval('record_numbers_s') as n`),
    );
    const ref = `S-${String(Number(seq)).padStart(4, '0')}`;
    await ctx.tx.insert(auditSamples).values({
      number: ref,
      recordType: type,
      month,
      size: n,
      seed,
      population,
      picked,
      createdBy: ctx.actor.personId,
      createdAt: ctx.now,
    });
    await ctx.audit('audit.sample', 'audit_sample', ref, { type, month, n, seed, picked });
    const lines = await describe(ctx, type, picked);
    return {
      text: `${ctx.t({
        en: `Sample ${ref}: ${picked.length} of ${population} ${what.en} created in ${month}, picked with seed ${seed}. Show it again: audit sample show ${ref}`,
        zh: `抽查 ${ref}：从 ${month} 新建的 ${population} 条${what.zh}中抽取 ${picked.length} 条，种子 ${seed}。再次查看：审计 抽查 查看 ${ref}`,
      })}\n${lines.join('\n')}`,
    };
  },
});

async function showSample(ctx: FlowContext, raw: string | undefined) {
  if (!raw) {
    const recent = await ctx.tx
      .select({ number: auditSamples.number, type: auditSamples.recordType, month: auditSamples.month })
      .from(auditSamples)
      .orderBy(desc(auditSamples.id))
      .limit(5);
    return refuseInput(
      `Which sample? e.g. audit sample show S-0001${recent.length ? `; recent: ${recent.map((r) => r.number).join(', ')}` : ''}.`,
      `请写明抽查编号，例如 审计 抽查 查看 S-0001${recent.length ? `；最近：${recent.map((r) => r.number).join('、')}` : ''}。`,
    );
  }
  const m = /^S[-_－]?(\d{1,9})$/i.exec(raw.trim());
  if (!m)
    return refuseInput(`"${raw}" is not a sample number (S-0001).`, `“${raw}”不是抽查编号（例如 S-0001）。`);
  const ref = `S-${String(Number(m[1])).padStart(4, '0')}`;
  const [s] = await ctx.tx
    .select({
      sample: auditSamples,
      who: people.name,
    })
    .from(auditSamples)
    .leftJoin(people, eq(people.id, auditSamples.createdBy))
    .where(eq(auditSamples.number, ref));
  if (!s) return refuseInput(`There is no sample ${ref}.`, `抽查 ${ref} 不存在。`);
  const x = s.sample;
  const type = x.recordType as SampleType;
  const { from, to } = monthBounds(x.month, ctx.org.timezone);
  const again = await draw(ctx, type, from, to, x.seed, x.size);
  const same = again.picked.length === x.picked.length && again.picked.every((p, i) => p === x.picked[i]);
  const check = same
    ? ctx.t({
        en: 'Drawn again from the seed: the same records.',
        zh: '按种子重新抽取：结果一致。',
      })
    : ctx.t({
        en: `Drawn again from the seed, the records differ (now ${again.population} to pick from, then ${x.population}): records of ${x.month} were added or removed since.`,
        zh: `按种子重新抽取结果不同（现有 ${again.population} 条，当时 ${x.population} 条）：${x.month} 的记录此后有增删。`,
      });
  const what = TYPE_NAMES[type];
  const lines = await describe(ctx, type, x.picked);
  return {
    text: `${ctx.t({
      en: `Sample ${ref} (${s.who ?? '—'}, ${ctx.fmtDate(x.createdAt, true)}): ${x.picked.length} of ${x.population} ${what.en} created in ${x.month}, seed ${x.seed}.`,
      zh: `抽查 ${ref}（${s.who ?? '—'}，${ctx.fmtDate(x.createdAt, true)}）：${x.month} 新建${what.zh} ${x.population} 条中抽取 ${x.picked.length} 条，种子 ${x.seed}。`,
    })}\n${lines.join('\n')}\n${check}`,
  };
}

export const auditSampleCommands = [sample];
