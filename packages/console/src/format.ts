// Money is integer fen in the API; yuan appear only on screen.
const yuanFmt = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** ¥1,234.50; negatives as −¥1,234.50; never "¥-0.00" (a zero is zero, whatever its sign). */
const money = (v: number): string => {
  const r = Math.round(v * 100) / 100;
  return r < 0 ? `−¥${yuanFmt.format(-r)}` : `¥${yuanFmt.format(r === 0 ? 0 : r)}`;
};
export const fenToYuan = (fen: number | null | undefined): string => (fen === null || fen === undefined ? '—' : money(fen / 100));
/** Amounts the API already gives in yuan (case views, encounter import shape, settlement output). */
export const yuan = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : money(v));
export const int = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : new Intl.NumberFormat('zh-CN').format(n));
export const pct = (r: number | null | undefined): string => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`);
const pad = (n: number) => String(n).padStart(2, '0');
/** Instants (ISO with Z or an offset) in the browser's time zone; naive date-times (service dates) as they are. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) {
    const d = new Date(iso);
    if (!Number.isNaN(d.getTime())) return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  return iso.replace('T', ' ').slice(0, 19);
}

export type PersonalKind = 'name' | 'id' | 'phone';

/** Masks personal data for display: 张** / 6101**********1234 / 138****5678. */
export function mask(value: string | null | undefined, kind: PersonalKind): string {
  if (!value) return '';
  const v = String(value);
  switch (kind) {
    case 'name':
      return v.length <= 1 ? '*' : v[0] + '*'.repeat(Math.min(v.length - 1, 3));
    case 'id':
      return v.length <= 8 ? v.slice(0, 2) + '*'.repeat(Math.max(v.length - 2, 1)) : v.slice(0, 4) + '*'.repeat(v.length - 8) + v.slice(-4);
    case 'phone':
      return v.length < 7 ? '*'.repeat(v.length) : v.slice(0, 3) + '*'.repeat(v.length - 7) + v.slice(-4);
  }
}

/** Masks ID-card-shaped numbers (15 or 18 characters) and mobile numbers inside free text (lead summaries, evidence). */
export function maskText(text: string | null | undefined): string {
  if (!text) return '';
  return text
    .replace(/(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])|(?<![\dA-Za-z])\d{15}(?![\dA-Za-z])/g, (m) => mask(m, 'id'))
    .replace(/(?<!\d)1[3-9]\d{9}(?!\d)/g, (m) => mask(m, 'phone'));
}
