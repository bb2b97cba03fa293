// Delivery: the outbox sent through the adapters. What the rest of the code uses of it; the parts are
// the files beside this one, one concept each:
//   delivery.ts      the Delivery: its three ways in (queue job, drain, claimed rows after firing) and
//                    the send of one claimed row
//   claims.ts        claiming rows in PostgreSQL (leases, per-chat order between processes), releasing them
//   leases.ts        extending the leases of rows that wait for their chat's rate limit
//   chat-order.ts    per-chat order inside one process; which waiting rows are this process's own
//   pacing.ts        rate limits per chat and platform, spacing from this process's own sends
//   retries.ts       putting off and retrying rows that were not sent (backoff)
//   dead-letters.ts  giving a row up and telling the management chat once
//   senders.ts       which adapter sends for which platform; card updates everywhere a card went
//   sent-marks.ts    recording "sent" (and where a card went) for many messages in one commit

// The sending side of the port (src/port/outbound.ts), named here for those who drive a Delivery directly
// (tests, benchmarks): what they register with it and what it hands them.
export {
  PermanentDeliveryError,
  type PostedRef,
  type PostOptions,
  type PostTarget,
  RetryLaterError,
  type Sender as Deliverer,
} from '../port/outbound.ts';
export { DEAD_LETTER_KEY } from './dead-letters.ts';
export { Delivery, type DeliveryOptions } from './delivery.ts';
export { retryDelayMs } from './retries.ts';
