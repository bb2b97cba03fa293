// Credentials typed in a command are not kept with the inbound event (src/commands/secrets.ts): every form
// the lexer reads as the key is redacted, and nothing else is touched.
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../src/commands/secrets.ts';

describe('redactSecrets', () => {
  it.each([
    ['admin bind finance webhook=abc-123-def', `admin bind finance webhook=${REDACTED}`],
    ['管理 绑定 财务 群机器人＝abcdefgh12', `管理 绑定 财务 群机器人＝${REDACTED}`],
    ['admin bind finance WEBHOOK: "a b c" x=1', `admin bind finance WEBHOOK: ${REDACTED} x=1`],
    ['admin bind finance webhook=「密 钥」', `admin bind finance webhook=${REDACTED}`],
    ['admin bind finance webhook=https://h.test/send?key=abc', `admin bind finance webhook=${REDACTED}`],
  ])('%s', (typed, kept) => {
    expect(redactSecrets(typed)).toBe(kept);
  });

  it('leaves other keys and words that only contain the name alone', () => {
    for (const t of [
      'customer add name=webhooks',
      'intel add title="webhook=x is news"',
      'admin bind finance',
      'customer add name=webhooks note=mywebhook=1',
    ])
      expect(redactSecrets(t)).toBe(t);
  });
});
