// The pages an acknowledge link opens: a confirmation with one button, the outcome, or why the link does
// nothing (expired, altered, used). Small, self-contained, in the recipient's language; values escaped.
import { html } from 'hono/html';
import { type Locale, pick } from '../../src/port/index.ts';

export type PageState =
  | {
      kind: 'confirm';
      title: string;
      fields: { label: string; value: string }[];
      button: string;
      note?: { name: string; label: string };
    }
  | { kind: 'done'; lines: string[] }
  | { kind: 'used'; at: string }
  | { kind: 'expired' }
  | { kind: 'tampered' }
  | { kind: 'gone' }
  | { kind: 'failed' }
  | { kind: 'declined'; lines: string[] };

const TEXT = {
  heading: { en: 'Acknowledge receipt', zh: '确认收到' },
  done: { en: 'Recorded', zh: '已记录' },
  used: { en: 'This link was already used', zh: '此链接已使用过' },
  usedAt: { en: 'It was used at', zh: '使用时间：' },
  expired: { en: 'This link has expired', zh: '此链接已过期' },
  expiredHelp: {
    en: 'Nothing was recorded. Acknowledge on the card in your department’s chat, or type: order ack <number>.',
    zh: '未记录任何内容。请在部门群聊的卡片上确认，或输入：订单 确认收到 <单号>。',
  },
  tampered: { en: 'This link is not valid', zh: '此链接无效' },
  tamperedHelp: {
    en: 'It may have been cut or altered. Nothing was recorded. Open the link from the email again, or acknowledge in your chat.',
    zh: '链接可能不完整或被改动，未记录任何内容。请从邮件中重新打开链接，或在群聊中确认。',
  },
  gone: { en: 'Nothing to acknowledge here', zh: '这里没有需要确认的内容' },
  goneHelp: { en: 'Nothing was recorded.', zh: '未记录任何内容。' },
  failed: { en: 'Something went wrong on our side', zh: '系统出错' },
  declined: { en: 'Nothing was recorded', zh: '未记录任何内容' },
  declinedHelp: { en: 'The link still works once this is sorted out.', zh: '问题解决后，此链接仍可使用。' },
  failedHelp: {
    en: 'Nothing was recorded and the link still works: please press it again in a moment.',
    zh: '未记录任何内容，链接仍然有效：请稍后再按一次。',
  },
} as const;

export function page(
  locale: Locale,
  state: PageState,
): { status: 200 | 400 | 404 | 409 | 410 | 503; body: string } {
  const t = (k: keyof typeof TEXT) => TEXT[k][locale];
  const [status, heading, content] = ((): [200 | 400 | 404 | 409 | 410 | 503, string, unknown] => {
    switch (state.kind) {
      case 'confirm':
        return [
          200,
          t('heading'),
          html`<h2>${state.title}</h2>
<table>${state.fields.map((f) => html`<tr><th>${f.label}</th><td>${f.value}</td></tr>`)}</table>
<form method="post">
${state.note ? html`<label>${state.note.label}<br><textarea name="${state.note.name}" required rows="3"></textarea></label>` : ''}
<button type="submit">${state.button}</button>
</form>`,
        ];
      case 'done':
        return [200, t('done'), html`${state.lines.map((l) => html`<p>${l}</p>`)}`];
      case 'used':
        return [409, t('used'), html`<p>${t('usedAt')} ${state.at}</p><p>${t('goneHelp')}</p>`];
      case 'expired':
        return [410, t('expired'), html`<p>${t('expiredHelp')}</p>`];
      case 'tampered':
        return [400, t('tampered'), html`<p>${t('tamperedHelp')}</p>`];
      case 'gone':
        return [404, t('gone'), html`<p>${t('goneHelp')}</p>`];
      case 'declined':
        return [
          409,
          t('declined'),
          html`${state.lines.map((l) => html`<p>${l}</p>`)}<p>${t('declinedHelp')}</p>`,
        ];
      case 'failed':
        return [503, t('failed'), html`<p>${t('failedHelp')}</p>`];
    }
  })();
  const body = html`<!doctype html>
<html lang="${pick(locale, { en: 'en', zh: 'zh-CN' })}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${heading} · SalesRelay</title>
<style>
body{font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;background:#f4f5f7;color:#222;margin:0}
main{max-width:560px;margin:40px auto;background:#fff;border-radius:10px;padding:24px 28px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 16px}h2{font-size:16px;margin:0 0 12px}
table{border-collapse:collapse;margin:0 0 20px;font-size:14px}th{text-align:left;vertical-align:top;color:#555;padding:4px 14px 4px 0;white-space:nowrap}td{padding:4px 0;white-space:pre-line}
button{background:#1f6feb;color:#fff;border:0;border-radius:6px;padding:10px 20px;font-size:15px;font-weight:600;cursor:pointer}
textarea{width:100%;box-sizing:border-box;margin:6px 0 14px;font:inherit}
</style></head>
<body><main><h1>${heading}</h1>${content}</main></body></html>`;
  return { status, body: String(body) };
}
