// Signed links in an email: one purpose each (acknowledge, or the open-tracking image), bound to one
// outbox row (so to one recipient and one item), valid until an expiry. HMAC-SHA256 over all three;
// nothing is stored, so a link from a copied database signs nothing without the key.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkPurpose = 'ack' | 'open';

export type LinkCheck =
  | { ok: true; outboxId: number; expires: Date }
  | { ok: false; reason: 'tampered' | 'expired' };

export class Links {
  constructor(private readonly secret: string) {}

  sign(purpose: LinkPurpose, outboxId: number, expires: Date): string {
    const body = `${outboxId}.${Math.floor(expires.getTime() / 1000)}`;
    return `${body}.${this.mac(purpose, body)}`;
  }

  check(purpose: LinkPurpose, token: string, now: Date): LinkCheck {
    const m = /^(\d{1,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { ok: false, reason: 'tampered' };
    const body = `${m[1]}.${m[2]}`;
    const want = Buffer.from(this.mac(purpose, body));
    const got = Buffer.from(m[3]!);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: 'tampered' };
    const expires = new Date(Number(m[2]) * 1000);
    if (expires <= now) return { ok: false, reason: 'expired' };
    return { ok: true, outboxId: Number(m[1]), expires };
  }

  private mac(purpose: LinkPurpose, body: string): string {
    return createHmac('sha256', this.secret)
      .update(`salesrelay-email:${purpose}:${body}`)
      .digest('base64url');
  }
}
