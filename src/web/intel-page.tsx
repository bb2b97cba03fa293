// An item of market information: what intel show gives (kind, level, state with marketing's decision, who
// recorded it, with whom it is shared), its text and its kind's structured fields (policy 2.5), and its
// timeline. Who may read it is intel show's rule (mayRead); a confidential item read in full is audited.
import { and, asc, eq } from 'drizzle-orm';
import type { CardField } from '../cards/card.ts';
import type { DepartmentCode } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { reveal } from '../core/visibility.ts';
import { intel, people, recordHistory } from '../db/schema.ts';
import { DEPARTMENT_NAMES, personName } from '../flows/common.ts';
import {
  intelContent,
  intelDecision,
  intelHistoryLine,
  intelLevelName,
  intelStateName,
  intelStateOf,
  intelSubject,
  mayReadIntel,
} from '../flows/intel.ts';
import { INTEL_KINDS, nameOf } from '../flows/labels.ts';
import { pick } from '../i18n/locale.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';
import { Fields, Timeline, type TimelineItem } from './timeline.tsx';

export type IntelView = {
  number: string;
  title: string;
  level: string;
  fields: CardField[];
  body: string | null;
  /** The kind's structured fields: label and value. */
  parts: CardField[];
  timeline: TimelineItem[];
};

export async function intelView(
  ctx: FlowContext,
  number: string,
): Promise<IntelView | 'missing' | 'refused'> {
  const [row] = await ctx.tx.select().from(intel).where(eq(intel.number, number.toUpperCase()));
  if (!row) return 'missing';
  if (!mayReadIntel(ctx, row)) {
    await ctx.audit('denied', 'intel', row.number, { via: 'web', verb: 'show' });
    return 'refused';
  }
  const l = ctx.locale;
  const r = reveal(ctx, intelSubject(row));
  const c = intelContent(row, r, l, 100_000);
  const state = intelStateOf(row);
  const decision = await intelDecision(ctx, row);
  const depts = row.sharedWith
    .map((d) => DEPARTMENT_NAMES[d as DepartmentCode]?.[l] ?? d)
    .join(pick(l, { en: ', ', zh: '、' }));
  const fields: CardField[] = [
    { label: say(l, 'Kind', '类型'), value: nameOf(INTEL_KINDS, row.kind, l) },
    { label: say(l, 'Level', '密级'), value: intelLevelName(row.level, l) },
    { label: say(l, 'State', '状态'), value: `${intelStateName(state, l)} · ${decision[l]}` },
    ...(row.decisionNote
      ? [
          {
            label: state === 'rejected' ? say(l, 'Reason', '原因') : say(l, 'Note', '备注'),
            // Marketing's note may quote the confidential text: shown where the text is.
            value:
              (row.level === 'confidential'
                ? r.text('decision_note', 'intel', row.decisionNote)
                : row.decisionNote) ?? '—',
          },
        ]
      : []),
    {
      label: say(l, 'Recorded by', '录入人'),
      value: `${await personName(ctx, row.createdBy)}, ${ctx.fmtDate(row.createdAt, true)}`,
    },
    { label: say(l, 'Shared with', '共享给'), value: depts || say(l, 'nobody yet', '尚未共享') },
  ];
  const history = await ctx.tx
    .select({
      at: recordHistory.at,
      field: recordHistory.field,
      from: recordHistory.oldValue,
      to: recordHistory.newValue,
      by: people.name,
    })
    .from(recordHistory)
    .leftJoin(people, eq(people.id, recordHistory.personId))
    .where(and(eq(recordHistory.entity, 'intel'), eq(recordHistory.entityId, row.id)))
    .orderBy(asc(recordHistory.id));
  await ctx.auditRead('intel', row.number, r.fields, { via: 'web' });
  return {
    number: row.number,
    title: row.title,
    level: row.level,
    fields,
    body: 'masked' in c ? c.masked : c.body,
    parts: 'masked' in c ? [] : c.parts.map(([, label, value]) => ({ label, value })),
    timeline: history.map((h) => ({
      at: h.at,
      who: h.by,
      what: intelHistoryLine(h.field, h.from, h.to, l),
      kind: h.field === 'state' ? 'approval' : h.field === 'shared_with' ? 'sent' : 'change',
    })),
  };
}

export function IntelPage(p: { ctx: FlowContext; v: IntelView; csrf: string }) {
  const { ctx, v } = p;
  const l = ctx.locale;
  return (
    <Page title={`${v.number} ${v.title}`} actor={ctx.actor} csrf={p.csrf} section="intel">
      <p class="crumbs">
        <a href="/app/intel">{say(l, '← Market information', '← 市场信息')}</a>
      </p>
      <h1>
        {v.number} {v.title} <span class={`tag level-${v.level}`}>{intelLevelName(v.level, l)}</span>
      </h1>
      <div class="grid">
        <section class="card">
          <h2>{say(l, 'Details', '详情')}</h2>
          <Fields fields={v.fields} testid="intel-fields" />
        </section>
        <section class="card">
          <h2>{say(l, 'Timeline', '时间线')}</h2>
          <Timeline ctx={ctx} items={v.timeline} />
        </section>
      </div>
      <section class="card">
        <h2>{say(l, 'Content', '内容')}</h2>
        <p class="body" data-testid="intel-body">
          {v.body ?? '—'}
        </p>
        {v.parts.length > 0 && (
          <>
            <h2 class="spaced">{say(l, 'Structured fields', '结构化信息')}</h2>
            <Fields fields={v.parts} testid="intel-parts" />
          </>
        )}
      </section>
    </Page>
  );
}
