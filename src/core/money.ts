// Formats exact minor units for people. Never goes through a float.
const SYMBOLS: Record<string, string> = { CNY: '¥', USD: '$', EUR: '€', GBP: '£', JPY: '¥', HKD: 'HK$' };

export function formatMoney(minor: bigint | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '—';
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${SYMBOLS[currency] ?? `${currency} `}${whole}.${cents}`;
}
