// What a flow gets to work with: the transaction, who acts, where, when, and the ways to leave a trace
// (history, audit, outbox). One context per command; everything it writes commits or rolls back together.

import { type DateExpr, formatDate, type ResolvedDate, resolveDate } from '../commands/dates.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import type { CommandTable } from '../commands/parse.ts';
import type { Mention } from '../commands/spec.ts';
import type { Tx } from '../db/client.ts';
import { auditLog, recordHistory } from '../db/schema.ts';
import type { Bilingual, Locale } from '../i18n/locale.ts';
import type { Actor } from './actor.ts';
import { refuseInput } from './errors.ts';
import type { ChatRef } from './inbound.ts';
import { formatMoney } from './money.ts';
import { nextNumber } from './numbering.ts';
import type { Org } from './org.ts';
import { type OutboxWriter, outboxWriter } from './outbox.ts';
import { findPersonByHandle, findPersonByIdentity, type PersonRow } from './people.ts';
import type { AuditRow, Traces } from './traces.ts';

/** The audit action of a confidential read; `audit list kind=read` selects it. */
export const READ_ACTION = 'read.confidential';

export type FieldChange = { field: string; from: unknown; to: unknown };

export type Someone = { person: PersonRow; department: DepartmentCode | null };

export type FlowContext = {
  tx: Tx;
  actor: Actor;
  chat: ChatRef;
  /**
   * Who reads the reply: the actor alone ('private': a direct chat, or a platform whose group replies only
   * the asker sees) or everyone in the group chat. Confidential values in replies follow it.
   */
  replyAudience: 'private' | 'group';
  now: Date;
  org: Org;
  locale: Locale;
  zone: string;
  t(text: Bilingual): string;
  out: OutboxWriter;
  audit(action: string, entity?: string, ref?: string, detail?: Record<string, unknown>): Promise<void>;
  /**
   * Confidential data shown to the actor (R-SEC-2): one audit row per record, naming the fields shown.
   * Rows are append-only, so every read is its own row (no counters to update); nothing shown, no row.
   */
  auditRead(
    entity: string,
    refs: string | string[],
    fields: string[],
    detail?: Record<string, unknown>,
  ): Promise<void>;
  /** Records field changes (R-REC-1); values are stored as text. */
  history(entity: string, id: number, changes: FieldChange[]): Promise<void>;
  nextNumber(prefix: string): Promise<string>;
  /** The person a mention names; refuses with a clear answer if nobody matches. */
  person(m: Mention): Promise<Someone>;
  date(expr: DateExpr): ResolvedDate;
  fmtDate(d: Date | string | null | undefined, withTime?: boolean): string;
  money(minor: bigint | null | undefined): string;
  /** The command table, for help. */
  commands?: CommandTable<FlowContext>;
};

export function createContext(args: {
  tx: Tx;
  actor: Actor;
  chat: ChatRef;
  now: Date;
  org: Org;
  /** The reply is read by the actor alone (default: only in a direct chat). */
  privateReply?: boolean;
  /**
   * Where history and audit rows are kept until the command's end (its caller flushes them in the same
   * transaction); without it each is inserted at once.
   */
  traces?: Traces;
}): FlowContext {
  const { tx, actor, chat, now, org, traces } = args;
  const writeAudit = async (rows: AuditRow[]) => {
    if (traces) traces.audit(rows);
    else await tx.insert(auditLog).values(rows);
  };
  const replyAudience = (args.privateReply ?? chat.kind === 'dm') ? 'private' : 'group';
  const locale = actor.locale;
  const zone = actor.timezone;
  return {
    tx,
    actor,
    chat,
    replyAudience,
    now,
    org,
    locale,
    zone,
    t: (text) => text[locale],
    out: outboxWriter(tx, org, chat.platform),
    async audit(action, entity, ref, detail = {}) {
      await writeAudit([
        {
          personId: actor.personId,
          action,
          entity: entity ?? null,
          entityRef: ref ?? null,
          detail: { ...detail, platform: chat.platform, chat: chat.chatId, chatKind: chat.kind },
        },
      ]);
    },
    async auditRead(entity, refs, fields, detail = {}) {
      const records = typeof refs === 'string' ? [refs] : refs;
      if (records.length === 0 || fields.length === 0) return;
      await writeAudit(
        records.map((ref) => ({
          personId: actor.personId,
          action: READ_ACTION,
          entity,
          entityRef: ref,
          detail: { ...detail, fields, platform: chat.platform, chat: chat.chatId, chatKind: chat.kind },
        })),
      );
    },
    async history(entity, id, changes) {
      const real = changes.filter((c) => stringify(c.from) !== stringify(c.to));
      if (real.length === 0) return;
      const rows = real.map((c) => ({
        entity,
        entityId: id,
        field: c.field,
        oldValue: stringify(c.from),
        newValue: stringify(c.to),
        personId: actor.personId,
        at: now,
      }));
      if (traces) traces.history(rows);
      else await tx.insert(recordHistory).values(rows);
    },
    nextNumber: (prefix) => nextNumber(tx, prefix),
    async person(m) {
      // `@handle` names a person by handle, or by their user id on this platform (the console uses both).
      const externalId = m.externalId ?? m.handle!;
      const found =
        (m.handle ? await findPersonByHandle(tx, m.handle) : undefined) ??
        (await findPersonByIdentity(tx, { platform: chat.platform, tenant: chat.tenant, externalId }));
      if (!found) {
        const who = m.handle ? `@${m.handle}` : (m.display ?? m.externalId ?? '?');
        return refuseInput(
          `I don't know ${who} yet: they need to write to the bot once, or check the spelling.`,
          `还不认识 ${who}：请对方先给机器人发一条消息，或检查拼写。`,
        );
      }
      return { person: found.person, department: found.department as DepartmentCode | null };
    },
    date: (expr) => resolveDate(expr, zone, now),
    fmtDate: (d, withTime = false) => formatDate(d, zone, withTime),
    money: (minor) => formatMoney(minor, org.currency),
  };
}

function stringify(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}
