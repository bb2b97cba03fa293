// An email of a message: the subject (the key point, leading with the record number), a plain-text part
// and an HTML part with the card's fields as a table, in the recipient's language. Every value is escaped
// (hono/html): a customer named <script> arrives as text.
import { html } from 'hono/html';
import { type Locale, type Message, pick, typedHint } from '../../src/port/index.ts';

export type Rendered = { subject: string; text: string; html: string };

export type MailLinks = { ack?: { url: string; label: string; expires: string }; pixel?: string };

const T = {
  ackIntro: {
    en: 'Please acknowledge receipt with the button below (or the button on the card in your chat).',
    zh: '请点击下面的按钮确认收到（也可以在群聊卡片上确认）。',
  },
  validUntil: { en: 'The link is yours alone and valid until', zh: '此链接仅供您本人使用，有效期至' },
  typed: {
    en: 'In your chat with SalesRelay you can also type:',
    zh: '也可以在与 SalesRelay 的聊天中发送：',
  },
  footer: {
    en: 'Sent by SalesRelay. The same item is in your department’s chat.',
    zh: '由 SalesRelay 发送。本事项同时已发到您部门的群聊。',
  },
} as const;

/** One line: no line breaks in a header (nodemailer encodes the rest). */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function renderEmail(message: Message, locale: Locale, links: MailLinks): Rendered {
  const card = message.card;
  const title = card?.title ?? message.text.split('\n')[0] ?? '';
  const subject = oneLine(message.headline ?? title).slice(0, 200);
  const fields = card?.fields ?? [];
  // An email shows one button at most (the link); every button of the card is also offered as the command
  // to type in the chat, so a button the email cannot carry is never lost (the text-only fallback).
  const typed = (card?.actions ?? []).flatMap((a) => {
    const hint = typedHint(a, locale);
    return hint ? [hint] : [];
  });
  const textParts = [
    title,
    '',
    ...(card ? fields.map((f) => `${f.label}: ${f.value.replace(/\n/g, '\n  ')}`) : [message.text]),
    ...(card?.note && !links.ack ? ['', card.note] : []),
    ...(links.ack
      ? [
          '',
          T.ackIntro[locale],
          `${links.ack.label}: ${links.ack.url}`,
          `${T.validUntil[locale]} ${links.ack.expires}.`,
        ]
      : []),
    ...(typed.length ? ['', T.typed[locale], ...typed.map((t) => `  ${t}`)] : []),
    '',
    '—',
    T.footer[locale],
  ];
  const rows = fields.map(
    (f) =>
      html`<tr><th style="text-align:left;vertical-align:top;padding:6px 12px 6px 0;color:#555;font-weight:600;white-space:nowrap">${f.label}</th><td style="padding:6px 0;white-space:pre-line">${f.value}</td></tr>`,
  );
  const body = card
    ? html`<table role="presentation" style="border-collapse:collapse;font-size:14px">${rows}</table>`
    : html`<p style="white-space:pre-line">${message.text}</p>`;
  const ack = links.ack
    ? html`<p style="margin:20px 0 8px">${T.ackIntro[locale]}</p>
<p><a href="${links.ack.url}" style="display:inline-block;background:#1f6feb;color:#fff;text-decoration:none;padding:10px 18px;border-radius:6px;font-weight:600">${links.ack.label}</a></p>
<p style="color:#777;font-size:12px">${T.validUntil[locale]} ${links.ack.expires}.</p>`
    : card?.note
      ? html`<p style="color:#555">${card.note}</p>`
      : '';
  const commands = typed.length
    ? html`<p style="color:#555;font-size:13px;margin:16px 0 4px">${T.typed[locale]}</p>
<ul style="color:#555;font-size:13px;margin:0;padding-left:20px">${typed.map((t) => html`<li>${t}</li>`)}</ul>`
    : '';
  const pixel = links.pixel
    ? html`<img src="${links.pixel}" width="1" height="1" alt="" style="display:block">`
    : '';
  const page = html`<!doctype html>
<html lang="${pick(locale, { en: 'en', zh: 'zh-CN' })}"><head><meta charset="utf-8"><title>${subject}</title></head>
<body style="font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;color:#222;max-width:640px;margin:0 auto;padding:16px">
<h2 style="font-size:18px;margin:0 0 12px">${title}</h2>
${body}
${ack}
${commands}
<hr style="border:none;border-top:1px solid #ddd;margin:24px 0 8px"><p style="color:#888;font-size:12px">${T.footer[locale]}</p>
${pixel}
</body></html>`;
  return { subject, text: textParts.join('\n'), html: String(page) };
}
