// Payment terms as people write them ("30% advance, 70% on delivery", "30%预付，70%货到付款",
// "50% advance, 50% 30 days after delivery") read into instalments: a share of the total and when it is
// due. Pure: the flow puts dates and amounts on them.

/** When an instalment falls due: at once (an advance), some days after delivery, or on a given day. */
export type Due = { kind: 'advance' } | { kind: 'delivery'; days: number } | { kind: 'date'; date: string };

export type TermPart = { percent: number; label: string; due: Due };

export type TermsResult =
  | { ok: true; parts: TermPart[] }
  | { ok: false; problem: 'unreadable' | 'sum'; near: string };

const ADVANCE = /advance|prepay|pre-pay|deposit|upfront|down payment|预付|預付|定金|订金|訂金|首付/i;
const AFTER_DELIVERY = [
  /(\d{1,3})\s*days?\s*(?:after|from)\s*(?:delivery|receipt|shipment)/i,
  /(?:交货|交貨|发货|發貨|货到|貨到|到货|到貨|验收|驗收)(?:后|後)?\s*(\d{1,3})\s*(?:天|日)/,
  /\bnet\s*(\d{1,3})\b/i,
];
const ON_DELIVERY = /deliver|receipt|shipment|on arrival|交货|交貨|发货|發貨|货到|貨到|到货|到貨|验收|驗收/i;
const DATE = /(\d{4})-(\d{1,2})-(\d{1,2})/;

function dueOf(text: string): Due | null {
  const date = DATE.exec(text);
  if (date) {
    const [, y, m, d] = date;
    return { kind: 'date', date: `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}` };
  }
  for (const re of AFTER_DELIVERY) {
    const m = re.exec(text);
    if (m) return { kind: 'delivery', days: Number(m[1]) };
  }
  if (ADVANCE.test(text)) return { kind: 'advance' };
  if (ON_DELIVERY.test(text)) return { kind: 'delivery', days: 0 };
  return null;
}

/** Reads terms into parts whose shares add up to 100%; says which part it could not read. */
export function readTerms(terms: string): TermsResult {
  const pieces = terms
    .split(/[,，;；、\n]|\s\+\s|\band\b/)
    .map((p) => p.trim())
    .filter(Boolean);
  const parts: TermPart[] = [];
  for (const piece of pieces) {
    const m = /(\d{1,3}(?:\.\d{1,2})?)\s*[%％]/.exec(piece);
    const due = dueOf(piece);
    if (!m || !due) return { ok: false, problem: 'unreadable', near: piece };
    const label =
      piece
        .replace(m[0], '')
        .trim()
        .replace(/^[:：\-–]\s*/, '') || piece;
    parts.push({ percent: Number(m[1]), label, due });
  }
  if (parts.length === 0) return { ok: false, problem: 'unreadable', near: terms };
  const sum = parts.reduce((s, p) => s + p.percent, 0);
  if (Math.abs(sum - 100) > 1e-9) return { ok: false, problem: 'sum', near: String(sum) };
  return { ok: true, parts };
}

/** Splits a total (minor units) by the parts' shares; the last takes the rounding so they add up exactly. */
export function splitAmount(totalMinor: bigint, percents: number[]): bigint[] {
  const out: bigint[] = [];
  let left = totalMinor;
  percents.forEach((p, i) => {
    if (i === percents.length - 1) {
      out.push(left);
      return;
    }
    // Shares in hundredths of a percent, so 33.33% stays exact in integers.
    const part = (totalMinor * BigInt(Math.round(p * 100))) / 10000n;
    out.push(part);
    left -= part;
  });
  return out;
}
