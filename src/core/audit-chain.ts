// The audit chain (R-SEC-2). Rows are written unsealed; sealAudit chains the committed ones (migration
// 0011's audit_log_seal: seq, the previous hash and the row's own sha256, in the database). verifyChain
// recomputes every sealed row's hash with the same database function and checks each link against the row
// before, so a row changed, removed or relinked is found. The first broken link is named: nothing after it
// can be trusted to be in order.
import { sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../db/client.ts';
import { rowsOf } from '../db/rows.ts';

export type BrokenLink = {
  /** The row where the chain breaks (for a missing tail: the last row left). */
  id: number | null;
  at: Date | null;
  problem: 'changed' | 'relinked' | 'missing' | 'missing_tail' | 'unchained' | 'no_head';
  /** How many rows are missing (missing, missing_tail). */
  count?: number;
  /** The row before it (relinked). */
  previousId?: number;
};

export type ChainReport = { rows: number; headHash: string; broken: BrokenLink | null };

const GENESIS = '0'.repeat(64);
const BATCH = 1000;

type Row = {
  id: string;
  seq: string | null;
  at: string | Date;
  prev_hash: string | null;
  hash: string | null;
  expected: string | null;
};

/** How often the app seals what was written: a row is in the chain seconds after its commit. */
export const SEAL_INTERVAL_MS = 5000;

/** Chains the committed unsealed rows; another process sealing at the moment makes this a no-op. */
export async function sealAudit(db: Queryable): Promise<number> {
  const [r] = rowsOf<{ n: number }>(await db.execute(sql`select audit_log_seal() as n`));
  return Number(r?.n ?? 0);
}

export async function verifyChain(tx: Tx): Promise<ChainReport> {
  // What was committed before the check is checked too.
  await sealAudit(tx);
  // Half a place in the chain (a seq without a hash, or the reverse) was written around the triggers.
  const [loose] = rowsOf<{ id: string; at: string | Date }>(
    await tx.execute(
      sql`select id, at from audit_log where (seq is null) <> (hash is null) order by id limit 1`,
    ),
  );
  const [head] = rowsOf<{ seq: string; hash: string }>(
    await tx.execute(sql`select seq, hash from audit_chain where id = 1`),
  );
  let seq = 0;
  let prevHash = GENESIS;
  let prevId: number | null = null;
  let prevAt: Date | null = null;
  let rows = 0;
  const done = (broken: BrokenLink | null): ChainReport => ({ rows, headHash: head?.hash ?? '', broken });
  if (loose) return done({ id: Number(loose.id), at: new Date(loose.at), problem: 'unchained' });
  if (!head) return done({ id: null, at: null, problem: 'no_head' });
  // Only rows up to the head read at the start: rows committed while we walk belong to a later check.
  const headSeq = Number(head.seq);
  for (;;) {
    const batch = rowsOf<Row>(
      await tx.execute(sql`
        select id, seq, at, prev_hash, hash,
          audit_log_hash(seq, prev_hash, id, at, person_id, action, entity, entity_ref, detail) as expected
        from audit_log where seq > ${seq} and seq <= ${headSeq} order by seq limit ${BATCH}`),
    );
    for (const r of batch) {
      const id = Number(r.id);
      const at = new Date(r.at);
      const rowSeq = Number(r.seq);
      if (rowSeq !== seq + 1) return done({ id, at, problem: 'missing', count: rowSeq - seq - 1 });
      if (r.hash !== r.expected) return done({ id, at, problem: 'changed' });
      // Its own hash fits its content but not the row before: one of the two was rewritten with a new hash.
      if (r.prev_hash !== prevHash)
        return done({ id, at, problem: 'relinked', ...(prevId !== null ? { previousId: prevId } : {}) });
      seq = rowSeq;
      prevHash = r.hash!;
      prevId = id;
      prevAt = at;
      rows++;
    }
    if (batch.length < BATCH) break;
  }
  // The head remembers the last row written: rows removed from the end leave it ahead of the chain.
  if (headSeq > seq) return done({ id: prevId, at: prevAt, problem: 'missing_tail', count: headSeq - seq });
  if (head.hash !== prevHash) return done({ id: prevId, at: prevAt, problem: 'changed' });
  return done(null);
}
