// My waiting approvals: each as its card shows it to an approver (the same render as the chat card), with
// approve and reject forms. A decision runs through the core's button path (Core.handleWebAction), so it is
// the same command, rules and audit as a card's button, and every copy of the card is re-rendered.

import { renderApproval, viewOf } from '../approvals/card.ts';
import { loadApproval } from '../approvals/engine.ts';
import { SUBJECT_NAMES } from '../approvals/policy.ts';
import type { Message } from '../cards/card.ts';
import type { FlowContext } from '../core/context.ts';
import { viewerOf } from '../core/visibility.ts';
import { subjectHandler } from '../flows/subjects.ts';
import { waitingFor } from './dashboard-data.ts';
import { Page } from './layout.tsx';
import { say } from './text.ts';

export type WaitingCard = { number: string; type: string; ref: string; message: Message };

export async function waitingCards(ctx: FlowContext): Promise<WaitingCard[]> {
  const out: WaitingCard[] = [];
  for (const w of await waitingFor(ctx, 50)) {
    const a = await loadApproval(ctx, w.number);
    const view = await viewOf(ctx, a);
    const viewer = viewerOf(ctx, { approver: true });
    const summary = await subjectHandler(a.subjectType).summary(ctx, a);
    const message = renderApproval(view, summary, ctx.locale, viewer);
    const s = summary(ctx.locale, viewer);
    await ctx.auditRead(s.entity, a.subjectRef, s.read, { approval: a.number, via: 'web' });
    out.push({ number: a.number, type: a.subjectType, ref: a.subjectRef, message });
  }
  return out;
}

export function ApprovalsPage(p: {
  ctx: FlowContext;
  cards: WaitingCard[];
  csrf: string;
  flash?: { text: string; bad: boolean };
}) {
  const l = p.ctx.locale;
  return (
    <Page title={say(l, 'Approvals', '审批')} actor={p.ctx.actor} csrf={p.csrf} section="approvals">
      <h1>{say(l, 'Waiting for my approval', '待我审批')}</h1>
      {p.flash && (
        <p class={`flash ${p.flash.bad ? 'bad' : ''}`} data-testid="flash">
          {p.flash.text}
        </p>
      )}
      {p.cards.length === 0 && (
        <p class="muted card">{say(l, 'Nothing waits for you.', '暂无待审批事项。')}</p>
      )}
      {p.cards.map((c) => (
        <section class="card approval" data-testid="approval" data-number={c.number}>
          <h2>
            {c.message.card?.title ?? c.number}{' '}
            <span class="tag">{SUBJECT_NAMES[c.type as keyof typeof SUBJECT_NAMES]?.[l] ?? c.type}</span>
          </h2>
          <dl class="fields">
            {(c.message.card?.fields ?? []).map((x) => (
              <>
                <dt>{x.label}</dt>
                <dd>{x.value}</dd>
              </>
            ))}
          </dl>
          {c.message.card?.note && <p class="muted">{c.message.card.note}</p>}
          <form method="post" action={`/app/approvals/${encodeURIComponent(c.number)}`}>
            <input type="hidden" name="_csrf" value={p.csrf} />
            <input
              type="text"
              name="reason"
              maxlength={1000}
              placeholder={say(l, 'Note, or the reason to reject', '备注，或驳回原因')}
            />
            <button type="submit" name="decision" value="approve">
              {say(l, 'Approve', '同意')}
            </button>
            <button type="submit" name="decision" value="reject" class="danger">
              {say(l, 'Reject', '驳回')}
            </button>
          </form>
        </section>
      ))}
    </Page>
  );
}
