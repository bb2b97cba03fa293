// Per-page tokens: each page load asks for one and sends it back with every state-changing request.
// A page on another site cannot read it (the same-origin policy), so it cannot send it either. Tokens are
// signed, not stored: any number of pages, no memory, and a restart (new key) retires them all.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const PAGE_TOKEN_HEADER = 'x-page-token';

export class PageTokens {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  issue(): string {
    const nonce = randomBytes(16).toString('base64url');
    return `${nonce}.${this.sign(nonce)}`;
  }

  verify(token: string | undefined): boolean {
    if (!token || token.length > 200) return false;
    const [nonce, mac, extra] = token.split('.');
    if (!nonce || !mac || extra !== undefined) return false;
    const want = Buffer.from(this.sign(nonce));
    const got = Buffer.from(mac);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private sign(nonce: string): string {
    return createHmac('sha256', this.key).update(nonce).digest('base64url');
  }
}
