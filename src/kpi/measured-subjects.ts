// Transfers recorded where an approval ends, without the subjects' flows knowing of the KPIs: a quote's
// decision reaching its requester, and an upheld customer correction reaching everyone who had the
// customer (the departments it was shared with or that received an order of it, and its owner). Each
// wraps the subject's handler, so the transfer is written in the deciding transaction, beside the
// messages the approval flow sends.
import { eq } from 'drizzle-orm';
import { customers } from '../db/schema.ts';
import { correctionReceivers } from '../flows/correction.ts';
import type { SubjectHandler } from '../flows/subjects.ts';
import { recordTransfer } from './transfers.ts';

/** The requester hears the decision (approval.ts tells them unless they decided it themselves). */
export function measuredQuote(handler: SubjectHandler): SubjectHandler {
  const tellRequester: SubjectHandler['approved'] = async (ctx, a) => {
    if (a.requesterId !== ctx.actor.personId)
      await recordTransfer(
        ctx,
        'quote',
        { type: 'quote', id: a.subjectId, ref: a.subjectRef },
        {
          personId: a.requesterId,
        },
      );
  };
  return {
    ...handler,
    async approved(ctx, a) {
      await handler.approved(ctx, a);
      await tellRequester(ctx, a);
    },
    async rejected(ctx, a) {
      await handler.rejected(ctx, a);
      await tellRequester(ctx, a);
    },
  };
}

/** An upheld correction reaches every department that received the customer (correction.ts) and its owner. */
export function measuredCorrection(handler: SubjectHandler): SubjectHandler {
  return {
    ...handler,
    async approved(ctx, a) {
      await handler.approved(ctx, a);
      const [c] = await ctx.tx
        .select({ id: customers.id, number: customers.number, ownerId: customers.ownerId })
        .from(customers)
        .where(eq(customers.id, a.subjectId));
      if (!c) return;
      const subject = { type: 'customer', id: c.id, ref: c.number };
      for (const d of await correctionReceivers(ctx, c.id))
        await recordTransfer(ctx, 'correction', subject, { department: d.code });
      if (c.ownerId && c.ownerId !== ctx.actor.personId)
        await recordTransfer(ctx, 'correction', subject, { personId: c.ownerId });
    },
  };
}
