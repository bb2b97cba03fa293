// Market information (R-MKT-1/2): marketing shares reports with chosen departments at a confidentiality
// level; anyone may submit a tip, which marketing verifies (intel verify, then shared) or rejects; marketing
// shares an item with more departments later (intel share). Each item may carry its kind's structure
// (policy 2.5, intel-structure.ts). Who reads confidential text where is core/visibility.ts's rule (never
// in full in a group chat, R-SEC-1); reading it is audited.
import { and, desc, eq } from 'drizzle-orm';
import type { DepartmentCode } from '../commands/keys.ts';
import { k } from '../commands/keys.ts';
import type { FlowContext } from '../core/context.ts';
import { refuse, refuseAudited, refuseInput } from '../core/errors.ts';
import { isAdmin, isMarketing, isStaff, isSupervisor } from '../core/permissions.ts';
import { entitled, privateNote, Reveal, reveal, type Subject, viewerOf } from '../core/visibility.ts';
import { intel, people, recordHistory } from '../db/schema.ts';
import { type Locale, pick } from '../i18n/locale.ts';
import { clip, command, DEPARTMENT_NAMES, deptChoice, field, label, linesOf, personName } from './common.ts';
import { type IntelKind, KINDS, structureFields, structureKeys, structureOf } from './intel-structure.ts';
import { INTEL_KINDS, nameOf } from './labels.ts';
import { filterWhere, LIST_KEYS, listFilters, pageFooter, pagesOf } from './list-filters.ts';

const LEVELS = {
  public: ['公开'],
  internal: ['内部'],
  confidential: ['机密', '保密', 'secret'],
} as const;
const LEVEL_NAMES: Record<string, { en: string; zh: string }> = {
  public: { en: 'public', zh: '公开' },
  internal: { en: 'internal', zh: '内部' },
  confidential: { en: 'confidential', zh: '机密' },
};
const levelName = (level: string, l: Locale) => LEVEL_NAMES[level]?.[l] ?? level;

type Intel = typeof intel.$inferSelect;
type State = 'verified' | 'unverified' | 'rejected';

const STATE_NAMES: Record<State, { en: string; zh: string }> = {
  verified: { en: 'verified', zh: '已核实' },
  unverified: { en: 'unverified', zh: '待核实' },
  rejected: { en: 'rejected', zh: '已驳回' },
};
const stateOf = (row: Intel): State => (row.verified ? 'verified' : row.rejected ? 'rejected' : 'unverified');

/** Marketing decides tips and shares; admins may stand in. */
const decides = (a: FlowContext['actor']) => isMarketing(a) || isAdmin(a);

const REF = { kind: 'intel', required: true } as const;

const subjectOf = (row: Intel): Subject => ({
  kind: 'intel',
  level: row.level,
  createdBy: row.createdBy,
  sharedWith: row.sharedWith,
});

/**
 * Whether this person may read the item at all (a group chat only masks it): a tip marketing has not
 * verified (or rejected) is read by marketing, supervisors and its author; confidentiality is
 * core/visibility.ts's rule.
 */
function mayRead(ctx: FlowContext, row: Intel): boolean {
  const settled =
    row.verified || isMarketing(ctx.actor) || isSupervisor(ctx.actor) || row.createdBy === ctx.actor.personId;
  return settled && entitled(viewerOf(ctx), 'intel', subjectOf(row));
}

const deptNames = (codes: readonly string[], l: Locale) =>
  codes.map((c) => DEPARTMENT_NAMES[c as DepartmentCode]?.[l] ?? c).join(pick(l, { en: ', ', zh: '、' }));

const maskedLine = (row: Intel, l: Locale) =>
  label(
    l,
    `(confidential: ask me "intel show ${row.number}" in a private chat)`,
    `（机密：请在与我的私聊中输入「情报 查看 ${row.number}」查看）`,
  );

/**
 * The text of an item for this reader: body and structure, or one line saying where to read it when the
 * item is confidential and the reader is a group chat. Each confidential part shown in full is noted on
 * `r` (for the audit) as body, or by its key.
 */
function content(
  row: Intel,
  r: Reveal,
  l: Locale,
  clipAt: number,
): { masked: string } | { body: string | null; parts: [string, string, string][] } {
  const parts = structureFields(row.details, l);
  if (row.level === 'confidential') {
    const shown = r.show('intel');
    if (shown !== 'full') {
      if (shown === 'masked') r.masked = true;
      return { masked: maskedLine(row, l) };
    }
    if (row.body) r.use('body', 'intel');
    for (const [key] of parts) r.use(key, 'intel');
  }
  return { body: row.body ? clip(row.body, clipAt) : null, parts };
}

/** One announcement per department chat, rendered for that chat (confidential text masked in groups). */
async function announce(
  ctx: FlowContext,
  row: Intel,
  codes: readonly DepartmentCode[],
  lead?: { en: string; zh: string },
) {
  for (const code of codes) {
    await ctx.out.send({ kind: 'department', code }, (l, audience) => {
      const r = new Reveal({ audience, department: code }, subjectOf(row), ctx.org.currency);
      const c = content(row, r, l, 500);
      const text =
        'masked' in c
          ? c.masked
          : [c.body ?? '', ...c.parts.map(([, name, value]) => `${name}: ${value}`)]
              .filter(Boolean)
              .join('\n');
      return {
        text: `${lead ? `${lead[l]}${pick(l, { en: ' ', zh: '' })}` : ''}${label(l, 'Market information', '市场信息')} ${row.number} [${levelName(row.level, l)}] ${nameOf(INTEL_KINDS, row.kind, l)}${label(l, ': ', '：')}${row.title}${text ? `\n${text}` : ''}`,
      };
    });
  }
}

async function loadIntel(ctx: FlowContext, ref: string, forUpdate = false): Promise<Intel> {
  const q = ctx.tx.select().from(intel).where(eq(intel.number, ref));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ?? refuseInput(`There is no market information ${ref}.`, `情报 ${ref} 不存在。`);
}

/** "verified by Qian Hui, 2026-12-03 10:00" and the like, for answers and show. */
async function decisionOf(ctx: FlowContext, row: Intel): Promise<{ en: string; zh: string }> {
  const state = stateOf(row);
  if (state === 'unverified') return { en: 'waiting for marketing to verify it', zh: '等待市场部核实' };
  if (row.decidedBy === null) return { en: 'verified (recorded by marketing)', zh: '已核实（市场部录入）' };
  const who = await personName(ctx, row.decidedBy);
  const when = ctx.fmtDate(row.decidedAt, true);
  return {
    en: `${STATE_NAMES[state].en} by ${who}, ${when}`,
    zh: `${who} 于 ${when} ${STATE_NAMES[state].zh}`,
  };
}

/** Refuses (writing nothing) when marketing already decided this item. */
async function undecided(ctx: FlowContext, row: Intel): Promise<void> {
  if (stateOf(row) === 'unverified') return;
  const d = await decisionOf(ctx, row);
  const why =
    row.rejected && row.decisionNote
      ? { en: `: ${row.decisionNote}`, zh: `：${row.decisionNote}` }
      : { en: '', zh: '' };
  refuse(
    `${row.number} is already decided: ${d.en}${why.en}. Nothing was changed.`,
    `${row.number} 已处理：${d.zh}${why.zh}。未做任何修改。`,
  );
}

const add = command({
  noun: 'intel',
  verbs: ['add', 'new'],
  keys: {
    kind: k.choice(KINDS),
    title: k.text(200),
    body: k.text(4000).optional(),
    level: k.choice(LEVELS).optional(),
    share: k.choices(deptChoice).optional(),
    ...structureKeys,
  },
  usage: {
    en: 'intel add kind=competitor title="Rival cuts X200 price" body="…" [competitor=… product=… pricing=… mshare=… channels=… promotions=…] level=confidential share=sales,management',
    zh: '情报 新增 类型=竞争对手 标题="对手X200降价" 内容=… [竞争对手=… 产品特点=… 价格策略=… 市场份额=… 销售渠道=… 促销活动=…] 密级=机密 共享给=销售,管理层',
  },
  summary: {
    en: 'submit market information (from outside marketing it is a tip to verify)',
    zh: '提交市场信息（市场部以外提交的为待核实线索）',
  },
  allow: isStaff,
  async run(ctx, { args }) {
    const details = structureOf(args.kind as IntelKind, args);
    const fromMarketing = decides(ctx.actor);
    const level = args.level ?? 'internal';
    const share = args.share ?? [];
    const number = await ctx.nextNumber('I');
    const [row] = await ctx.tx
      .insert(intel)
      .values({
        number,
        kind: args.kind,
        title: args.title,
        body: args.body ?? null,
        level,
        details,
        sharedWith: fromMarketing ? share : [],
        verified: fromMarketing,
        createdBy: ctx.actor.personId,
        createdAt: ctx.now,
      })
      .returning();
    await ctx.history('intel', row!.id, [{ field: 'created', from: null, to: number }]);
    await ctx.audit('intel.add', 'intel', number, {
      level,
      share: fromMarketing ? share : [],
      kind: args.kind,
      parts: Object.keys(details),
    });
    if (fromMarketing) {
      await announce(ctx, row!, share);
      const to = deptNames(share, ctx.locale);
      return {
        text: ctx.t({
          en: `Intel ${number} recorded (${LEVEL_NAMES[level]!.en})${to ? `, shared with ${to}` : ''}.`,
          zh: `已记录情报 ${number}（${LEVEL_NAMES[level]!.zh}）${to ? `，已共享给${to}` : ''}。`,
        }),
      };
    }
    await ctx.out.send({ kind: 'department', code: 'marketing' }, (l) => ({
      text: label(
        l,
        `Tip ${number} from ${ctx.actor.name} to verify (${nameOf(INTEL_KINDS, args.kind, l)}, ${levelName(level, l)}): ${args.title}\nRead it: intel show ${number} · verify: intel verify ${number} share=sales · reject: intel reject ${number} reason="…"`,
        `${ctx.actor.name} 提交的待核实信息 ${number}（${nameOf(INTEL_KINDS, args.kind, l)}，${levelName(level, l)}）：${args.title}\n查看：情报 查看 ${number} · 核实：情报 核实 ${number} 共享给=销售 · 驳回：情报 驳回 ${number} 原因="…"`,
      ),
    }));
    return {
      text: ctx.t({
        en: `Thank you: tip ${number} went to marketing to verify${share.length ? '; marketing decides whom to share it with' : ''}.`,
        zh: `谢谢：信息 ${number} 已交市场部核实${share.length ? '，由市场部决定共享范围' : ''}。`,
      }),
    };
  },
});

const list = command({
  noun: 'intel',
  verbs: ['list'],
  keys: { kind: k.choice(KINDS).optional(), ...LIST_KEYS },
  usage: {
    en: 'intel list [kind=competitor] [owner=me|@li (who recorded it)] [since=2026-11-01] [until=…] [page=2]',
    zh: '情报 列表 [类型=竞争对手] [负责人=我|@li（录入人）] [起始=2026-11-01] [截至=…] [页=2]',
  },
  summary: { en: 'list market information you may read', zh: '可查看的市场信息' },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { args, text }) {
    const f = await listFilters(ctx, args);
    if (f.owner === null)
      refuseInput(
        'Market information always has who recorded it: owner=me or owner=@li.',
        '市场信息都有录入人：负责人=我 或 负责人=@li。',
      );
    // Who may read an item is decided per row (level, shares): the kind, dates and recorder are asked of
    // the database, the reading rule here, and the page is cut from what is left.
    const rows = await ctx.tx
      .select()
      .from(intel)
      .where(
        and(
          args.kind ? eq(intel.kind, args.kind) : undefined,
          filterWhere(f, intel.createdAt, intel.createdBy),
        ),
      )
      .orderBy(desc(intel.id))
      .limit(2000);
    const all = rows.filter((r) => mayRead(ctx, r));
    const { pages, offset, limit } = pagesOf(all.length, f);
    const readable = all.slice(offset, offset + limit);
    if (readable.length === 0)
      return { text: ctx.t({ en: 'No market information for you yet.', zh: '暂无可查看的市场信息。' }) };
    const lines: string[] = [];
    const l = ctx.locale;
    for (const row of readable) {
      const r = reveal(ctx, subjectOf(row));
      const c = content(row, r, l, 500);
      await ctx.auditRead('intel', row.number, r.fields);
      const state = stateOf(row);
      const text =
        'masked' in c
          ? [c.masked]
          : [
              c.body ?? '—',
              ...(c.parts.length
                ? [c.parts.map(([, name, value]) => `${name}: ${clip(value, 80)}`).join(' · ')]
                : []),
            ];
      lines.push(
        `${row.number} [${levelName(row.level, l)}] ${nameOf(INTEL_KINDS, row.kind, l)}${state === 'verified' ? '' : label(l, ` (${STATE_NAMES[state].en})`, `（${STATE_NAMES[state].zh}）`)}: ${row.title}\n${text.map((t) => `    ${t}`).join('\n')}`,
      );
    }
    return {
      text: `${ctx.t({ en: 'Market information:', zh: '市场信息：' })}\n${lines.join('\n')}\n${ctx.t({ en: `Details: intel show ${readable[0]!.number}`, zh: `详情：情报 查看 ${readable[0]!.number}` })}${pageFooter(ctx, text, f.page, pages)}`,
    };
  },
});

const HISTORY_FIELDS: Record<string, { en: string; zh: string }> = {
  created: { en: 'recorded', zh: '录入' },
  state: { en: 'state', zh: '状态' },
  shared_with: { en: 'shared with', zh: '共享给' },
  level: { en: 'level', zh: '密级' },
};

function historyValue(fieldName: string, v: string | null, l: Locale): string {
  if (v === null || v === '') return '—';
  if (fieldName === 'state') return STATE_NAMES[v as State]?.[l] ?? v;
  if (fieldName === 'level') return levelName(v, l);
  if (fieldName === 'shared_with') return deptNames(v.split(','), l);
  return v;
}

const show = command({
  noun: 'intel',
  verbs: ['show'],
  ref: REF,
  keys: {},
  usage: { en: 'intel show I-0001', zh: '情报 查看 I-0001' },
  summary: {
    en: 'show one item of market information: its text, structure, who recorded and verified it, shares',
    zh: '查看一条市场信息：内容、结构、录入与核实人、共享范围',
  },
  allow: isStaff,
  readOnly: true,
  async run(ctx, { ref }) {
    const row = await loadIntel(ctx, ref!);
    if (!mayRead(ctx, row)) {
      const tip = !row.verified;
      refuseAudited(
        { action: 'denied', entity: 'intel', ref: row.number, detail: { verb: 'show' } },
        tip
          ? `${row.number} is a tip marketing has not shared: only marketing, supervisors and its author read it.`
          : `${row.number} is confidential and not shared with your department; ask marketing.`,
        tip
          ? `${row.number} 是市场部尚未共享的信息，仅市场部、监督组和提交人可查看。`
          : `${row.number} 为机密情报，未共享给您的部门；如需查看请联系市场部。`,
      );
    }
    const l = ctx.locale;
    const r = reveal(ctx, subjectOf(row));
    const c = content(row, r, l, 4000);
    const state = stateOf(row);
    const decision = await decisionOf(ctx, row);
    let stateText = `${STATE_NAMES[state][l]} · ${decision[l]}`;
    if (row.decisionNote) {
      // Marketing's note may quote the confidential text: shown where the text is.
      const note =
        row.level === 'confidential' ? r.text('decision_note', 'intel', row.decisionNote) : row.decisionNote;
      const what = state === 'rejected' ? label(l, 'reason', '原因') : label(l, 'note', '备注');
      stateText += ` · ${what}${label(l, ': ', '：')}${note}`;
    }
    const fields = [
      field(label(l, 'Kind', '类型'), nameOf(INTEL_KINDS, row.kind, l)),
      field(label(l, 'Level', '密级'), levelName(row.level, l)),
      field(label(l, 'State', '状态'), stateText),
      field(
        label(l, 'Recorded by', '录入人'),
        `${await personName(ctx, row.createdBy)}, ${ctx.fmtDate(row.createdAt, true)}`,
      ),
      field(
        label(l, 'Shared with', '共享给'),
        row.sharedWith.length ? deptNames(row.sharedWith, l) : label(l, 'nobody yet', '尚未共享'),
      ),
    ];
    if ('masked' in c) fields.push(field(label(l, 'Content', '内容'), c.masked));
    else {
      fields.push(field(label(l, 'Content', '内容'), c.body));
      for (const [, name, value] of c.parts) fields.push(field(name, value));
    }
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
      .orderBy(desc(recordHistory.id))
      .limit(10);
    for (const h of history.reverse()) {
      const value = intelHistoryLine(h.field, h.from, h.to, l);
      fields.push(field(`${ctx.fmtDate(h.at, true)} ${h.by ?? '—'}`, value));
    }
    if (r.masked) fields.push(field(label(l, 'Note', '说明'), privateNote(l)));
    await ctx.auditRead('intel', row.number, r.fields);
    const title = `${row.number} ${row.title}`;
    return { text: linesOf(title, fields), card: { title, fields, actions: [] } };
  },
});

/** Tells the author privately what marketing decided (unless they decided it themselves). */
async function tellAuthor(ctx: FlowContext, row: Intel, text: (l: Locale) => string): Promise<boolean> {
  if (row.createdBy === ctx.actor.personId) return false;
  await ctx.out.send({ kind: 'person', personId: row.createdBy }, (l) => ({ text: text(l) }));
  return true;
}

const verify = command({
  noun: 'intel',
  verbs: ['verify'],
  ref: REF,
  keys: { note: k.text(500).optional(), share: k.choices(deptChoice).optional() },
  usage: {
    en: 'intel verify I-0002 [note="confirmed with the distributor"] [share=sales,management]',
    zh: '情报 核实 I-0002 [备注="已与经销商确认"] [共享给=销售,管理层]',
  },
  summary: {
    en: 'verify a tip and share it with departments (marketing)',
    zh: '核实信息线索并共享给相关部门（市场部）',
  },
  allow: decides,
  async run(ctx, { ref, args }) {
    const row = await loadIntel(ctx, ref!, true);
    await undecided(ctx, row);
    const share = [...new Set(args.share ?? [])];
    const [updated] = await ctx.tx
      .update(intel)
      .set({
        verified: true,
        sharedWith: share,
        decidedBy: ctx.actor.personId,
        decidedAt: ctx.now,
        decisionNote: args.note ?? null,
      })
      .where(eq(intel.id, row.id))
      .returning();
    await ctx.history('intel', row.id, [
      { field: 'state', from: 'unverified', to: 'verified' },
      { field: 'shared_with', from: row.sharedWith.join(','), to: share.join(',') },
    ]);
    await ctx.audit('intel.verify', 'intel', row.number, {
      share,
      ...(args.note ? { note: args.note } : {}),
    });
    await announce(ctx, updated!, share);
    const to = (l: Locale) => deptNames(share, l);
    const told = await tellAuthor(ctx, row, (l) =>
      label(
        l,
        `Your tip ${row.number} "${row.title}" was verified by ${ctx.actor.name}${share.length ? ` and shared with ${to('en')}` : ''}.${args.note ? ` Note: ${args.note}` : ''}`,
        `您提交的信息 ${row.number}「${row.title}」已由 ${ctx.actor.name} 核实${share.length ? `，并共享给${to('zh')}` : ''}。${args.note ? `备注：${args.note}` : ''}`,
      ),
    );
    const author = await personName(ctx, row.createdBy);
    return {
      text: ctx.t({
        en: `${row.number} verified${share.length ? `; sent to ${to('en')}` : '; shared with nobody yet (intel share to send it)'}.${told ? ` ${author} was told.` : ''}`,
        zh: `${row.number} 已核实${share.length ? `，已发送给${to('zh')}` : '，尚未共享（可用「情报 共享」发送）'}。${told ? `已通知 ${author}。` : ''}`,
      }),
    };
  },
});

const reject = command({
  noun: 'intel',
  verbs: ['reject'],
  ref: REF,
  keys: { reason: k.text(500) },
  usage: {
    en: 'intel reject I-0002 reason="the plant is only being renovated"',
    zh: '情报 驳回 I-0002 原因="工厂只是在翻修"',
  },
  summary: { en: 'reject a tip, saying why (marketing)', zh: '驳回信息线索并说明原因（市场部）' },
  allow: decides,
  async run(ctx, { ref, args }) {
    const row = await loadIntel(ctx, ref!, true);
    await undecided(ctx, row);
    await ctx.tx
      .update(intel)
      .set({ rejected: true, decidedBy: ctx.actor.personId, decidedAt: ctx.now, decisionNote: args.reason })
      .where(eq(intel.id, row.id));
    await ctx.history('intel', row.id, [{ field: 'state', from: 'unverified', to: 'rejected' }]);
    await ctx.audit('intel.reject', 'intel', row.number, { reason: args.reason });
    const told = await tellAuthor(ctx, row, (l) =>
      label(
        l,
        `Your tip ${row.number} "${row.title}" was not taken up by marketing (${ctx.actor.name}): ${args.reason}`,
        `您提交的信息 ${row.number}「${row.title}」未被市场部采纳（${ctx.actor.name}）：${args.reason}`,
      ),
    );
    const author = await personName(ctx, row.createdBy);
    return {
      text: ctx.t({
        en: `${row.number} rejected; it is shared with nobody.${told ? ` ${author} was told why.` : ''}`,
        zh: `${row.number} 已驳回，不会共享。${told ? `已告知 ${author} 原因。` : ''}`,
      }),
    };
  },
});

const share = command({
  noun: 'intel',
  verbs: ['share'],
  ref: REF,
  keys: { dept: k.choices(deptChoice).optional(), level: k.choice(LEVELS).optional() },
  usage: {
    en: 'intel share I-0001 dept=service,finance [level=internal|confidential]',
    zh: '情报 共享 I-0001 部门=客服,财务 [密级=内部|机密]',
  },
  summary: {
    en: 'share market information with more departments, or change its level (marketing)',
    zh: '将市场信息共享给更多部门，或调整密级（市场部）',
  },
  allow: decides,
  async run(ctx, { ref, args }) {
    const row = await loadIntel(ctx, ref!, true);
    if (!args.dept && !args.level)
      refuseInput(
        'Say which departments (dept=sales,finance) or which level (level=confidential).',
        '请指明部门（部门=销售,财务）或密级（密级=机密）。',
      );
    if (row.rejected)
      refuse(
        `${row.number} was rejected; it is not shared. Nothing was changed.`,
        `${row.number} 已驳回，不能共享。未做任何修改。`,
      );
    if (!row.verified)
      refuse(
        `${row.number} is a tip not yet verified: intel verify ${row.number} share=… verifies and shares it at once. Nothing was changed.`,
        `${row.number} 尚未核实：可用「情报 核实 ${row.number} 共享给=…」核实并共享。未做任何修改。`,
      );
    const added = [...new Set(args.dept ?? [])].filter((d) => !row.sharedWith.includes(d));
    const level = args.level ?? row.level;
    const levelChanged = level !== row.level;
    if (added.length === 0 && !levelChanged)
      refuse(
        `${row.number} is already shared with ${deptNames(row.sharedWith, 'en') || 'nobody'} at level ${levelName(row.level, 'en')}. Nothing was changed.`,
        `${row.number} 已共享给${deptNames(row.sharedWith, 'zh') || '（无）'}，密级${levelName(row.level, 'zh')}。未做任何修改。`,
      );
    const sharedWith = [...row.sharedWith, ...added];
    const [updated] = await ctx.tx
      .update(intel)
      .set({ sharedWith, level })
      .where(eq(intel.id, row.id))
      .returning();
    await ctx.history('intel', row.id, [
      { field: 'shared_with', from: row.sharedWith.join(','), to: sharedWith.join(',') },
      { field: 'level', from: row.level, to: level },
    ]);
    await ctx.audit('intel.share', 'intel', row.number, {
      added,
      ...(levelChanged ? { level: { from: row.level, to: level } } : {}),
    });
    await announce(ctx, updated!, added as DepartmentCode[]);
    // The departments that had it hear the new level, with the item as it now reads in their chat.
    const before = row.sharedWith as DepartmentCode[];
    if (levelChanged)
      await announce(ctx, updated!, before, {
        en: `Level changed to ${levelName(level, 'en')}:`,
        zh: `密级已调整为${levelName(level, 'zh')}：`,
      });
    const parts = (l: Locale) =>
      [
        added.length ? label(l, `sent to ${deptNames(added, l)}`, `已发送给${deptNames(added, l)}`) : '',
        levelChanged
          ? label(
              l,
              `level ${levelName(row.level, l)} → ${levelName(level, l)}${before.length ? ` (told ${deptNames(before, l)})` : ''}`,
              `密级 ${levelName(row.level, l)} → ${levelName(level, l)}${before.length ? `（已通知${deptNames(before, l)}）` : ''}`,
            )
          : '',
      ]
        .filter(Boolean)
        .join(pick(l, { en: '; ', zh: '；' }));
    return {
      text: ctx.t({
        en: `${row.number}: ${parts('en')}. Now shared with ${deptNames(sharedWith, 'en') || 'nobody'}.`,
        zh: `${row.number}：${parts('zh')}。${sharedWith.length ? `现共享给${deptNames(sharedWith, 'zh')}` : '尚未共享给任何部门'}。`,
      }),
    };
  },
});

export const intelCommands = [add, list, show, verify, reject, share];

/** For the web workspace's market information pages: the same reading rules and words as intel show. */
export {
  content as intelContent,
  decisionOf as intelDecision,
  loadIntel,
  mayRead as mayReadIntel,
  stateOf as intelStateOf,
  subjectOf as intelSubject,
};
export const intelStateName = (s: string, l: Locale) => STATE_NAMES[s as State]?.[l] ?? s;
export const intelLevelName = levelName;
/** One line of an item's history: "recorded", "state: unverified → verified". */
export function intelHistoryLine(field: string, from: string | null, to: string | null, l: Locale): string {
  const name = HISTORY_FIELDS[field]?.[l] ?? field;
  return field === 'created'
    ? name
    : `${name}: ${historyValue(field, from, l)} → ${historyValue(field, to, l)}`;
}
