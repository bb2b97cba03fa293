// What an SMTP failure means for delivery: 4xx and a lost connection are retried with growing pauses
// (the core's); a 5xx is final, the message becomes a dead letter and the admin is told what to check.
import { AdminActionError } from '../../src/port/index.ts';

type SmtpError = Error & { responseCode?: number; code?: string; response?: string };

export function deliveryError(err: unknown, to: string): Error {
  const e = err as SmtpError;
  const code = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  if (code !== undefined && code >= 500) {
    if (e.code === 'EAUTH')
      return new AdminActionError(`SMTP login refused (${code}): ${e.response ?? e.message}`, {
        en: 'Check the user and password in SMTP_URL (docs/setup-email.md), then restart.',
        zh: '请检查 SMTP_URL 中的用户名和密码（docs/setup-email.md），然后重启。',
      });
    return new AdminActionError(
      `the mail server refused the email to ${to} (${code}): ${e.response ?? e.message}`,
      {
        en: `Check the address of this person (admin person @… email=…) and the sender MAIL_FROM (SPF/DKIM, docs/operations.md).`,
        zh: `请检查此人的邮箱（管理 人员资料 @… 邮箱=…）以及发件人 MAIL_FROM（SPF/DKIM，见 docs/operations.md）。`,
      },
    );
  }
  // 4xx (greylisting, a full mailbox for now, "try again later") and connection errors: retried.
  return new Error(
    `SMTP ${code ?? e?.code ?? 'error'} sending to ${to}: ${e?.response ?? e?.message ?? String(err)}`,
  );
}
