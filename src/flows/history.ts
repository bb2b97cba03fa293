// A record's history (R-REC-1, R-ORD-4): every change written with ctx.history, and the approval decisions
// about the record (who decided, approve or reject, the note), in time order. Loaded, paged and rendered
// here for every record type; each record's file says what its fields are called and which values are
// confidential (core/visibility.ts decides, per value, full, masked in a group chat, or left out), and
// registers its `… history` command with historyCommand.
import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import { SUBJECT_NAMES } from '../approvals/policy.ts';
import { SEAT_NAMES } from '../approvals/seats.ts';
import type { CardField } from '../cards/card.ts';
import { k } from '../commands/keys.ts';
import type { Intent, Permission } from '../commands/spec.ts';
import type { RecordKind } from '../commands/values.ts';
import type { Noun } from '../commands/vocabulary.ts';
import type { FlowContext } from '../core/context.ts';
import { refuseInput } from '../core/errors.ts';
import { type ConfidentialClass, MASK, maskMoney, privateNote, type Reveal } from '../core/visibility.ts';
import { approvalSeats, approvals, people, recordHistory } from '../db/schema.ts';
import { type Bilingual, type Locale, pick } from '../i18n/locale.ts';
import { command, field, label } from './common.ts';
import { type MailEvent, mailEvents } from './distribution-mail.ts';

/** Lines on a page of `… history`, and the newest lines `order show` carries (so page=2 goes on from it). */
export const HISTORY_PAGE = 20;

/** How one recorded field reads: its name in the reader's language, its values, and how secret they are. */
export type FieldSpec = {
  name: Bilingual;
  /** Something that happened (a note, a new status): its new value alone, never "old → new". */
  event?: boolean;
  /** The name says it all (created): no value; `bareWhen`: nor with this value (an acknowledgement's "ok"). */
  bare?: boolean;
  bareWhen?: string;
  /** A stored value as people read it (a status name, an amount). */
  read?: (value: string, ctx: FlowContext) => string;
  /**
   * Confidential values: their class, the name the audit gives them when shown in full (as the record's
   * show command names them), and what a group chat sees instead (default •••).
   */
  secret?: { cls: ConfidentialClass; audit: string; mask?: (value: string, ctx: FlowContext) => string };
};

/** What a record's history needs to know about the record type. */
export type HistorySpec = {
  /** record_history.entity. */
  entity: string;
  /** Approval subject types about this record (approvals.subject_type, subject_id = the record's id). */
  approvals: readonly string[];
  /** Approvals whose request is worth its own line (its record has no status change saying so). */
  requests?: readonly string[];
  /** The field as written to record_history (camelCase is read as snake_case). */
  field(name: string, l: Locale): FieldSpec;
  /**
   * Distributions about this record (distributions.subject_type) whose email copies belong in its history:
   * emailed to whom, opened, acknowledged by email.
   */
  mail?: string;
};

export type HistoryEvent =
  | {
      kind: 'change';
      at: Date;
      seq: number;
      by: string | null;
      field: string;
      from: string | null;
      to: string | null;
    }
  | {
      kind: 'approval';
      at: Date;
      seq: number;
      by: string | null;
      number: string;
      subject: string;
      step: 'asked' | 'approved' | 'rejected' | 'withdrawn';
      seat: string | null;
      note: string | null;
    }
  | {
      kind: 'mail';
      at: Date;
      seq: number;
      /** Who acted (the recipient opening or acknowledging); null for the sending. */
      by: string | null;
      step: MailEvent['step'];
      text: Bilingual;
    };

/** deliveryDate → delivery_date: the rows of some flows name their columns, others their keys. */
export const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every event of one record, oldest first; a decision before the change it caused (same instant). */
export async function loadHistory(ctx: FlowContext, spec: HistorySpec, id: number): Promise<HistoryEvent[]> {
  const changes = await ctx.tx
    .select({
      id: recordHistory.id,
      at: recordHistory.at,
      field: recordHistory.field,
      from: recordHistory.oldValue,
      to: recordHistory.newValue,
      by: people.name,
    })
    .from(recordHistory)
    .leftJoin(people, eq(people.id, recordHistory.personId))
    .where(and(eq(recordHistory.entity, spec.entity), eq(recordHistory.entityId, id)))
    .orderBy(asc(recordHistory.id));
  const events: HistoryEvent[] = changes.map((c) => ({
    kind: 'change',
    at: c.at,
    seq: 2,
    by: c.by,
    field: c.field,
    from: c.from,
    to: c.to,
  }));
  if (spec.approvals.length > 0) {
    const asked = await ctx.tx
      .select({ a: approvals, by: people.name })
      .from(approvals)
      .innerJoin(people, eq(people.id, approvals.requesterId))
      .where(and(inArray(approvals.subjectType, [...spec.approvals]), eq(approvals.subjectId, id)))
      .orderBy(asc(approvals.id));
    const decided = asked.length
      ? await ctx.tx
          .select({ s: approvalSeats, by: people.name })
          .from(approvalSeats)
          .innerJoin(people, eq(people.id, approvalSeats.decidedBy))
          .where(
            and(
              inArray(
                approvalSeats.approvalId,
                asked.map((x) => x.a.id),
              ),
              isNotNull(approvalSeats.decidedAt),
              inArray(approvalSeats.state, ['approved', 'rejected']),
            ),
          )
          .orderBy(asc(approvalSeats.decidedAt), asc(approvalSeats.id))
      : [];
    const byId = new Map(asked.map((x) => [x.a.id, x.a]));
    for (const { a, by } of asked) {
      if (spec.requests?.includes(a.subjectType))
        events.push({
          kind: 'approval',
          at: a.createdAt,
          seq: 0,
          by,
          number: a.number,
          subject: a.subjectType,
          step: 'asked',
          seat: null,
          note: a.reason,
        });
      if (a.state === 'withdrawn' && a.decidedAt)
        events.push({
          kind: 'approval',
          at: a.decidedAt,
          seq: 1,
          by,
          number: a.number,
          subject: a.subjectType,
          step: 'withdrawn',
          seat: null,
          note: null,
        });
    }
    for (const { s, by } of decided) {
      const a = byId.get(s.approvalId)!;
      events.push({
        kind: 'approval',
        at: s.decidedAt!,
        seq: 1,
        by,
        number: a.number,
        subject: a.subjectType,
        step: s.state as 'approved' | 'rejected',
        seat: s.label,
        note: s.note,
      });
    }
  }
  if (spec.mail)
    for (const m of await mailEvents(ctx.tx, { type: spec.mail, id }))
      events.push({
        kind: 'mail',
        at: m.at,
        seq: 3,
        by: m.step === 'sent' ? null : m.person,
        step: m.step,
        text: m.text,
      });
  // Stable: rows of one kind keep their order; at one instant the request, then decisions, then changes.
  return events
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at.getTime() - y.e.at.getTime() || x.e.seq - y.e.seq || x.i - y.i)
    .map((x) => x.e);
}

const NOT_SHOWN: Bilingual = { en: '(not shown to you)', zh: '（无权查看）' };
const NONE: Bilingual = { en: 'none', zh: '无' };

/** A value as this reader may see it: in full, masked, or null when it is not theirs to see. */
function shownValue(ctx: FlowContext, spec: FieldSpec, value: string | null, r: Reveal): string | null {
  if (value === null) return ctx.t(NONE);
  let text = value;
  try {
    if (spec.read) text = spec.read(value, ctx);
  } catch {
    // A value written before its field had a reader (e.g. not a number): shown as stored.
  }
  if (!spec.secret) return text;
  const masked = spec.secret.mask ? spec.secret.mask(value, ctx) : MASK;
  return r.text(spec.secret.audit, spec.secret.cls, text, masked);
}

/** What changed, in the reader's words: "phone: 138… → 139…", "status: confirmed", "created". */
export function describeChange(
  ctx: FlowContext,
  spec: HistorySpec,
  e: Extract<HistoryEvent, { kind: 'change' }>,
  r: Reveal,
): string {
  const f = spec.field(snake(e.field), ctx.locale);
  const name = ctx.t(f.name);
  if (f.bare || (f.bareWhen !== undefined && e.to === f.bareWhen)) return name;
  const to = shownValue(ctx, f, e.to, r);
  const from = f.event || e.from === null ? null : shownValue(ctx, f, e.from, r);
  const sep = label(ctx.locale, ': ', '：');
  if (to === null || (!f.event && e.from !== null && from === null))
    return `${name}${sep}${ctx.t(NOT_SHOWN)}`;
  return from === null ? `${name}${sep}${to}` : `${name}${sep}${from} → ${to}`;
}

const STEP: Record<Extract<HistoryEvent, { kind: 'approval' }>['step'], Bilingual> = {
  asked: { en: 'asked for approval', zh: '提交审批' },
  approved: { en: 'approved', zh: '批准' },
  rejected: { en: 'rejected', zh: '驳回' },
  withdrawn: { en: 'withdrew', zh: '撤回' },
};

/** "approved A-0002 (order, Sales manager): fine by me". */
export function describeApproval(ctx: FlowContext, e: Extract<HistoryEvent, { kind: 'approval' }>): string {
  const l = ctx.locale;
  const subject = SUBJECT_NAMES[e.subject as keyof typeof SUBJECT_NAMES]?.[l] ?? e.subject;
  const seat = e.seat ? (SEAT_NAMES[e.seat]?.[l] ?? e.seat) : null;
  const what = [subject.toLowerCase(), seat].filter(Boolean).join(label(l, ', ', '，'));
  const note = e.note ? label(l, `: ${e.note}`, `：${e.note}`) : '';
  return pick(l, {
    en: `${STEP[e.step].en} ${e.number} (${what})${note}`,
    zh: `${STEP[e.step].zh} ${e.number}（${what}）${note}`,
  });
}

/** One event as a card field: when (the reader's zone, the org's unless they set theirs) → who · what. */
export function historyField(ctx: FlowContext, spec: HistorySpec, e: HistoryEvent, r: Reveal): CardField {
  const what =
    e.kind === 'change'
      ? describeChange(ctx, spec, e, r)
      : e.kind === 'approval'
        ? describeApproval(ctx, e)
        : ctx.t(e.text);
  return field(ctx.fmtDate(e.at, true), `${e.by ?? '—'} · ${what}`);
}

/** page= as typed: a whole number from 1 to the last page, or a clear refusal. */
export function pageNumber(
  raw: string | undefined,
  total: number,
  what: { ref: string; command: Bilingual },
): number {
  const page = raw === undefined ? 1 : Number(raw);
  if (!Number.isInteger(page) || page < 1)
    refuseInput(
      `page=${raw} is not a page number; pages start at 1: ${what.command.en} page=2`,
      `页=${raw} 不是页码，页码从 1 开始：${what.command.zh} 页=2`,
    );
  const pages = Math.max(1, Math.ceil(total / HISTORY_PAGE));
  if (page > pages)
    refuseInput(
      `${what.ref} has ${total} history entr${total === 1 ? 'y' : 'ies'} on ${pages} page(s); page=${page} is past the end. The last one: ${what.command.en} page=${pages}`,
      `${what.ref} 共 ${total} 条历史记录，${pages} 页；页=${page} 超出范围。最后一页：${what.command.zh} 页=${pages}`,
    );
  return page;
}

/** The record a history command opened, with the reading that decides its confidential values. */
export type Opened = {
  id: number;
  number: string;
  reveal: Reveal;
  /** Records the read as the record's show does (default: the fields shown in full, if any). */
  audit?: (r: Reveal) => Promise<void>;
};

const PAGE_KEYS = { page: k.text(6).optional() };
type PageKeys = typeof PAGE_KEYS;

/**
 * `<noun> history <ref> [page=2]`: the whole history, newest first, a page at a time. `open` loads the
 * record and refuses whoever may not see it, exactly as the record's show command does.
 */
export function historyCommand(opts: {
  noun: Noun;
  ref: { kind: RecordKind; required: boolean };
  words?: { name: Bilingual; required: boolean }[];
  spec: HistorySpec;
  example: string;
  allow: Permission;
  open(ctx: FlowContext, intent: Intent<PageKeys>): Promise<Opened>;
}) {
  const n = NOUN_WORDS[opts.noun] ?? { en: opts.noun, zh: opts.noun };
  return command({
    noun: opts.noun,
    verbs: ['history'],
    ref: opts.ref,
    ...(opts.words ? { words: opts.words } : {}),
    keys: PAGE_KEYS,
    usage: {
      en: `${opts.noun} history ${opts.example} [page=2]`,
      zh: `${n.zh} 历史 ${opts.example} [页=2]`,
    },
    summary: {
      en: `the whole history of a ${n.en}, newest first (who changed what, when; approval decisions)`,
      zh: `${n.zh}的全部历史，最新在前（谁在何时改了什么；审批意见）`,
    },
    allow: opts.allow,
    readOnly: true,
    async run(ctx, intent) {
      const rec = await opts.open(ctx, intent);
      const events = await loadHistory(ctx, opts.spec, rec.id);
      const cmd = {
        en: `${opts.noun} history ${rec.number}`,
        zh: `${n.zh} 历史 ${rec.number}`,
      };
      const page = pageNumber(intent.args.page, events.length, { ref: rec.number, command: cmd });
      const l = ctx.locale;
      if (events.length === 0)
        return { text: label(l, `${rec.number} has no history yet.`, `${rec.number} 还没有历史记录。`) };
      const pages = Math.ceil(events.length / HISTORY_PAGE);
      const newestFirst = [...events].reverse();
      const rows = newestFirst.slice((page - 1) * HISTORY_PAGE, page * HISTORY_PAGE);
      const fields = rows.map((e) => historyField(ctx, opts.spec, e, rec.reveal));
      const title = label(
        l,
        `History of ${rec.number} (page ${page} of ${pages}, ${events.length} entries, newest first):`,
        `${rec.number} 的历史（第 ${page}/${pages} 页，共 ${events.length} 条，最新在前）：`,
      );
      const more =
        page < pages
          ? label(l, `Earlier: ${cmd.en} page=${page + 1}`, `更早：${cmd.zh} 页=${page + 1}`)
          : null;
      await (rec.audit
        ? rec.audit(rec.reveal)
        : ctx.auditRead(opts.spec.entity, rec.number, rec.reveal.fields));
      const lines = [
        title,
        ...fields.map((f) => `${f.label}  ${f.value}`),
        ...(more ? [more] : []),
        ...(rec.reveal.masked ? [privateNote(l)] : []),
      ];
      return { text: lines.join('\n') };
    },
  });
}

const NOUN_WORDS: Partial<Record<Noun, Bilingual>> = {
  customer: { en: 'customer', zh: '客户' },
  lead: { en: 'lead', zh: '线索' },
  quote: { en: 'quote', zh: '报价' },
  order: { en: 'order', zh: '订单' },
};

/** The spec of an amount: formatted, of class `cls`, ¥••• in a group chat. */
export function moneyField(name: Bilingual, cls: ConfidentialClass, audit: string, event = false): FieldSpec {
  return {
    name,
    event,
    read: (v, ctx) => ctx.money(BigInt(v)),
    secret: { cls, audit, mask: (_v, ctx) => maskMoney(ctx.org.currency) },
  };
}

/** A field nobody named yet: its stored name in words; an amount (…_minor) treated as one of class `cls`. */
export function unnamedField(name: string, money: { cls: ConfidentialClass; audit: string }): FieldSpec {
  const words = name.replace(/_minor$/, '').replace(/[._]/g, ' ');
  if (name.endsWith('_minor')) return moneyField({ en: words, zh: words }, money.cls, money.audit);
  return { name: { en: words, zh: words } };
}

/** A stored instant (ISO text) in the reader's zone. */
export const readInstant = (v: string, ctx: FlowContext): string => {
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : ctx.fmtDate(d, true);
};

/** A stored true/false in words. */
export const readYesNo = (v: string, ctx: FlowContext): string =>
  v === 'true' ? ctx.t({ en: 'yes', zh: '是' }) : v === 'false' ? ctx.t({ en: 'no', zh: '否' }) : v;
