// A record's timeline on its web page: the history of changes and the approval decisions about it
// (src/flows/history.ts, worded and masked as the record's `… history` command words them), and whatever
// else a record's page adds (an order's distribution to departments), in time order, oldest first.
import type { FlowContext } from '../core/context.ts';
import type { Reveal } from '../core/visibility.ts';
import { describeApproval, describeChange, type HistorySpec, loadHistory } from '../flows/history.ts';
import { say } from './text.ts';

export type TimelineItem = {
  at: Date;
  who: string | null;
  what: string;
  /** What kind of event (a dot's colour): a change, an approval step, a distribution, an acknowledgement … */
  kind: 'change' | 'approval' | 'rejected' | 'sent' | 'ack' | 'money' | 'ship' | 'delay' | 'mail';
};

/** The record's history as timeline items, each value as this reader may see it (noted on `r`). */
export async function historyItems(
  ctx: FlowContext,
  spec: HistorySpec,
  id: number,
  r: Reveal,
): Promise<TimelineItem[]> {
  const events = await loadHistory(ctx, spec, id);
  return events.map((e) => {
    if (e.kind === 'mail')
      return { at: e.at, who: e.by, what: ctx.t(e.text), kind: e.step === 'acked' ? 'ack' : 'mail' };
    if (e.kind === 'approval')
      return {
        at: e.at,
        who: e.by,
        what: describeApproval(ctx, e),
        kind: e.step === 'rejected' ? 'rejected' : 'approval',
      };
    const f = e.field;
    const kind: TimelineItem['kind'] = f.startsWith('ack')
      ? 'ack'
      : f === 'tracking'
        ? 'ship'
        : f === 'delay_reason' || f === 'expected_date' || f === 'expectedDate' || f === 'delayReason'
          ? 'delay'
          : /paid|payment|collection/i.test(f)
            ? 'money'
            : 'change';
    return { at: e.at, who: e.by, what: describeChange(ctx, spec, e, r), kind };
  });
}

/** Oldest first; at one instant, in the order given. */
export const inTimeOrder = (items: TimelineItem[]) =>
  items
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at.getTime() - y.e.at.getTime() || x.i - y.i)
    .map((x) => x.e);

export function Timeline(p: { ctx: FlowContext; items: TimelineItem[] }) {
  const l = p.ctx.locale;
  if (p.items.length === 0) return <p class="muted">{say(l, 'Nothing yet.', '暂无记录。')}</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {inTimeOrder(p.items).map((e) => (
        <li class={`t-${e.kind}`}>
          <time>
            {p.ctx.fmtDate(e.at, true)}
            {e.who ? ` · ${e.who}` : ''}
          </time>
          {e.what}
        </li>
      ))}
    </ol>
  );
}

/** A card's label/value pairs. */
export function Fields(p: { fields: { label: string; value: string }[]; testid?: string }) {
  return (
    <dl class="fields" data-testid={p.testid}>
      {p.fields.map((x) => (
        <>
          <dt>{x.label}</dt>
          <dd>{x.value}</dd>
        </>
      ))}
    </dl>
  );
}
