// The audit log for those who oversee it (R-SEC-2): admins and supervisors list it, follow one record's whole
// trail, and verify the chain the database keeps. Everyone else is refused by the engine, which audits that.
import { and, desc, eq, gte, like, lt, ne, not, or, type SQL, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { parseDateExpr } from '../commands/dates.ts';
import { k } from '../commands/keys.ts';
import { parseRef, type RecordKind, refKindOf } from '../commands/values.ts';
import { verifyChain } from '../core/audit-chain.ts';
import { type FlowContext, READ_ACTION } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { isSupervisor } from '../core/permissions.ts';
import { rowsOf } from '../db/rows.ts';
import { auditLog, people, recordHistory } from '../db/schema.ts';
import { command, label } from './common.ts';
import { FIELD_NAMES, namesOf } from './labels.ts';
import { LIST_SIZE } from './list-lines.ts';

export const KINDS = {
  read: ['读取', '查看记录', 'reads'],
  change: ['修改', '变更记录', 'changes'],
  denied: ['拒绝', 'refused', 'refusals'],
} as const;

/** Fields a read names (ctx.auditRead), besides the record fields. */
const READ_FIELDS: Record<string, { en: string; zh: string }> = {
  ...FIELD_NAMES,
  contacts: { en: 'contacts', zh: '联系方式' },
  prices: { en: 'prices', zh: '价格' },
  total: { en: 'total', zh: '总价' },
  paid: { en: 'paid', zh: '已收款' },
  body: { en: 'text', zh: '正文' },
};

/** Tables whose records have a number, by kind: for a record's changes in record_history. */
export const RECORD_TABLES: Record<RecordKind, string> = {
  customer: 'customers',
  lead: 'leads',
  quote: 'quotes',
  order: 'orders',
  approval: 'approvals',
  intel: 'intel',
  reminder: 'reminders',
};

export function recordRef(raw: string): { kind: RecordKind; ref: string } {
  const kind = refKindOf(raw);
  const parsed = kind ? parseRef(kind, raw) : undefined;
  if (!kind || !parsed?.ok)
    return refuseInput(
      `"${raw}" is not a record number (e.g. C-0001, L-0002, Q-0003, SO-0004).`,
      `“${raw}”不是记录编号（例如 C-0001、L-0002、Q-0003、SO-0004）。`,
    );
  return { kind, ref: parsed.value };
}

/** The start of a calendar day in the reader's zone; `after` moves to the next day (for until=). */
export function dayStart(ctx: FlowContext, raw: string, key: string, after: boolean): Date {
  const parsed = parseDateExpr(raw);
  if (!parsed.ok)
    return refuseInput(
      `${key}=${raw} is not a date: write e.g. ${key}=2026-12-01.`,
      `${key}=${raw} 不是日期：例如 ${key}=2026-12-01。`,
    );
  const day = DateTime.fromISO(ctx.date(parsed.value).date, { zone: ctx.zone }).startOf('day');
  return (after ? day.plus({ days: 1 }) : day).toJSDate();
}

export type AuditRow = typeof auditLog.$inferSelect & { who: string | null };

export function describe(ctx: FlowContext, r: AuditRow): string {
  const l = ctx.locale;
  const d = r.detail as {
    fields?: string[];
    parts?: string[];
    command?: string;
    chatKind?: string;
    platform?: string;
  };
  // Reads written before ctx.auditRead named their fields `parts`.
  d.fields ??= d.parts;
  const ref = r.entityRef ?? '';
  const what =
    r.action === READ_ACTION
      ? `${label(l, 'read', '查看')} ${ref}${d.fields?.length ? `: ${namesOf(READ_FIELDS, d.fields, l)}` : ''}`
      : r.action === 'denied'
        ? `${label(l, 'refused', '已拒绝')}: ${d.command ?? r.entity ?? ''} ${ref}`.trimEnd()
        : `${r.action} ${ref}${d.fields?.length ? ` (${namesOf(READ_FIELDS, d.fields, l)})` : ''}`.trimEnd();
  const where = [
    d.platform,
    d.chatKind === 'group'
      ? label(l, 'group', '群聊')
      : d.chatKind === 'dm'
        ? label(l, 'private', '私聊')
        : null,
  ]
    .filter(Boolean)
    .join(' ');
  return `#${r.id} ${ctx.fmtDate(r.at, true)} · ${r.who ?? '—'} · ${what}${where ? ` · ${where}` : ''}`;
}

/** A trail reads this many audit rows and as many changes, oldest first. */
const TRAIL_SIZE = 200;

export const KIND_FILTER: Record<keyof typeof KINDS, SQL> = {
  read: like(auditLog.action, 'read.%'),
  denied: eq(auditLog.action, 'denied'),
  change: and(not(like(auditLog.action, 'read.%')), ne(auditLog.action, 'denied'))!,
};

/** Rows naming a record: its own, and older reads that listed several records in one row. */
export const namesRecord = (ref: string) =>
  or(eq(auditLog.entityRef, ref), sql`${ref} = any(string_to_array(${auditLog.entityRef}, ','))`)!;

export const selectRows = (ctx: FlowContext) =>
  ctx.tx
    .select({
      id: auditLog.id,
      at: auditLog.at,
      personId: auditLog.personId,
      action: auditLog.action,
      entity: auditLog.entity,
      entityRef: auditLog.entityRef,
      detail: auditLog.detail,
      seq: auditLog.seq,
      prevHash: auditLog.prevHash,
      hash: auditLog.hash,
      who: people.name,
    })
    .from(auditLog)
    .leftJoin(people, eq(people.id, auditLog.personId));

const list = command({
  noun: 'audit',
  verbs: ['list'],
  keys: {
    record: k.text(20).optional(),
    who: k.text(100).optional(),
    kind: k.choice(KINDS).optional(),
    since: k.text(40).optional(),
    until: k.text(40).optional(),
    page: k.text(6).optional(),
  },
  usage: {
    en: 'audit list [record=C-0001] [who=@li] [kind=read|change|denied] [since=2026-12-01] [until=2026-12-31] [page=2]',
    zh: '审计 列表 [记录=C-0001] [操作人=@li] [类型=读取|修改|拒绝] [起始=2026-12-01] [截至=2026-12-31] [页=2]',
  },
  summary: {
    en: 'the audit log, newest first (admins, supervisors)',
    zh: '审计日志，最新在前（管理员、监督组）',
  },
  allow: isSupervisor,
  readOnly: true,
  async run(ctx, { args }) {
    const page = args.page === undefined ? 1 : Number(args.page);
    if (!Number.isInteger(page) || page < 1)
      refuseInput(`page=${args.page} is not a page number: page=2.`, `页=${args.page} 不是页码：例如 页=2。`);
    const who = args.who
      ? await ctx.person({ kind: 'mention', handle: args.who.replace(/^[@＠]/, '') })
      : null;
    const where = and(
      args.record ? namesRecord(recordRef(args.record).ref) : undefined,
      who ? eq(auditLog.personId, who.person.id) : undefined,
      args.kind ? KIND_FILTER[args.kind] : undefined,
      args.since ? gte(auditLog.at, dayStart(ctx, args.since, 'since', false)) : undefined,
      args.until ? lt(auditLog.at, dayStart(ctx, args.until, 'until', true)) : undefined,
    );
    const [{ n } = { n: 0 }] = await ctx.tx
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(where);
    if (n === 0) return { text: ctx.t({ en: 'No audit entries found.', zh: '没有找到审计记录。' }) };
    const pages = Math.ceil(n / LIST_SIZE);
    if (page > pages)
      refuseInput(
        `There are ${pages} page(s) of ${n} entries; page=${page} is past the end.`,
        `共 ${n} 条，${pages} 页；页=${page} 超出范围。`,
      );
    const rows = await selectRows(ctx)
      .where(where)
      .orderBy(desc(auditLog.at), desc(auditLog.id))
      .limit(LIST_SIZE)
      .offset((page - 1) * LIST_SIZE);
    const more =
      page < pages
        ? ctx.t({ en: `\nNext: the same with page=${page + 1}`, zh: `\n下一页：同一命令加 页=${page + 1}` })
        : '';
    return {
      text: `${ctx.t({ en: `Audit log (page ${page} of ${pages}, ${n} entries):`, zh: `审计日志（第 ${page}/${pages} 页，共 ${n} 条）：` })}\n${rows.map((r) => describe(ctx, r)).join('\n')}${more}`,
    };
  },
});

const show = command({
  noun: 'audit',
  verbs: ['show'],
  words: [{ name: { en: 'record', zh: '记录' }, required: true }],
  keys: {},
  usage: { en: 'audit show C-0001', zh: '审计 查看 C-0001' },
  summary: {
    en: "a record's whole trail: changes and reads (admins, supervisors)",
    zh: '记录的完整轨迹：修改与查看（管理员、监督组）',
  },
  allow: isSupervisor,
  readOnly: true,
  async run(ctx, { words }) {
    const { kind, ref } = recordRef(words[0]!);
    const audits = await selectRows(ctx)
      .where(namesRecord(ref))
      .orderBy(auditLog.at, auditLog.id)
      .limit(TRAIL_SIZE);
    const [record] = rowsOf<{ id: number }>(
      await ctx.tx.execute(sql`select id from ${sql.identifier(RECORD_TABLES[kind])} where number = ${ref}`),
    );
    const changes = record
      ? await ctx.tx
          .select({
            at: recordHistory.at,
            field: recordHistory.field,
            from: recordHistory.oldValue,
            to: recordHistory.newValue,
            who: people.name,
          })
          .from(recordHistory)
          .leftJoin(people, eq(people.id, recordHistory.personId))
          .where(and(eq(recordHistory.entity, kind), eq(recordHistory.entityId, Number(record.id))))
          .orderBy(recordHistory.at, recordHistory.id)
          .limit(TRAIL_SIZE)
      : [];
    if (audits.length + changes.length === 0)
      return { text: ctx.t({ en: `Nothing recorded for ${ref}.`, zh: `${ref} 没有任何记录。` }) };
    const lines = [
      ...audits.map((r) => ({ at: r.at, text: describe(ctx, r) })),
      ...changes.map((c) => ({
        at: c.at,
        text: `  ${ctx.fmtDate(c.at, true)} · ${c.who ?? '—'} · ${c.field}: ${c.from ?? '—'} → ${c.to ?? '—'}`,
      })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime());
    const cut =
      audits.length === TRAIL_SIZE || changes.length === TRAIL_SIZE
        ? ctx.t({
            en: `\nOnly the first ${TRAIL_SIZE} of each are shown; the rest: audit list record=${ref} since=…`,
            zh: `\n每类仅显示前 ${TRAIL_SIZE} 条；其余请用 审计 列表 记录=${ref} 起始=…`,
          })
        : '';
    return {
      text: `${ctx.t({ en: `Trail of ${ref} (changes and reads, oldest first):`, zh: `${ref} 的轨迹（修改与查看，按时间先后）：` })}\n${lines.map((x) => x.text).join('\n')}${cut}`,
    };
  },
});

const verify = command({
  noun: 'audit',
  verbs: ['verify'],
  keys: {},
  usage: { en: 'audit verify', zh: '审计 校验' },
  summary: {
    en: 'check that no audit entry was changed or removed (admins, supervisors)',
    zh: '校验审计日志未被修改或删除（管理员、监督组）',
  },
  allow: isSupervisor,
  readOnly: true,
  async run(ctx) {
    const { rows, headHash, broken } = await verifyChain(ctx.tx);
    if (!broken)
      return {
        text: ctx.t({
          en: `The audit log is intact: ${rows} entries, each chained to the one before. Last hash: ${headHash}`,
          zh: `审计日志完好：共 ${rows} 条，逐条链接无误。最新哈希：${headHash}`,
        }),
      };
    const at = broken.at ? ctx.fmtDate(broken.at, true) : '';
    const row = `#${broken.id ?? '?'}${at ? ` (${at})` : ''}`;
    const what: Record<typeof broken.problem, { en: string; zh: string }> = {
      changed: { en: `entry ${row} was changed after it was written`, zh: `第 ${row} 条写入后被修改` },
      relinked: {
        en: `entry ${row} does not follow from entry #${broken.previousId ?? '?'} before it: one of them was rewritten`,
        zh: `第 ${row} 条与前一条 #${broken.previousId ?? '?'} 链接不符：其中一条被改写`,
      },
      missing: {
        en: `${broken.count === 1 ? '1 entry' : `${broken.count} entries`} before entry ${row} ${broken.count === 1 ? 'is' : 'are'} missing (removed)`,
        zh: `第 ${row} 条之前缺少 ${broken.count} 条（已被删除）`,
      },
      missing_tail: {
        en: `${broken.count === 1 ? 'the last entry' : `the last ${broken.count} entries`} after entry ${row} ${broken.count === 1 ? 'is' : 'are'} missing (removed)`,
        zh: `第 ${row} 条之后的最后 ${broken.count} 条缺失（已被删除）`,
      },
      no_head: {
        en: 'the head of the chain (table audit_chain) is missing, so its end cannot be checked',
        zh: '链头（audit_chain 表）缺失，无法核对链尾',
      },
      unchained: {
        en: `entry ${row} was written around the chain (with the trigger off)`,
        zh: `第 ${row} 条绕过了链（触发器被关闭时写入）`,
      },
    };
    return {
      text: ctx.t({
        en: `⚠️ The audit log was tampered with: ${what[broken.problem].en}. Entries from there on cannot be trusted.`,
        zh: `⚠️ 审计日志被篡改：${what[broken.problem].zh}。自该处起的记录不可信。`,
      }),
    };
  },
});

export const auditCommands = [list, show, verify];
