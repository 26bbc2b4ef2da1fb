/** Money is integer fen (分) everywhere inside the system; yuan appear only at the edges. */
export type Fen = number;

const DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a yuan amount ("12.50", 12.5, "1e3" is refused) into integer fen without floating-point rounding.
 * Returns an error reason instead of guessing: more than 2 non-zero decimals cannot be represented in fen.
 */
export function parseYuan(value: unknown): { fen: Fen } | { reason: string } {
  let text: string;
  if (typeof value === 'number') {
    // Fast path (hot in 3101): a number with at most 2 decimals is the double nearest to fen / 100, and only then.
    // Below 1e13 yuan value * 100 is exact to well under half a fen, so the rounding cannot pick a neighbour.
    const fen = Math.round(value * 100);
    if (Math.abs(value) < 1e13 && fen / 100 === value) return { fen: fen + 0 }; // + 0: never -0
    if (!Number.isFinite(value)) return { reason: 'not a finite number' };
    text = numberToPlainString(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return { reason: 'not a number' };
  }
  const m = DECIMAL.exec(text);
  if (!m) return { reason: 'not a decimal number' };
  const whole = m[1];
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 2) return { reason: 'more than 2 decimals (amounts are kept in whole fen)' };
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (!Number.isSafeInteger(fen)) return { reason: 'amount too large' };
  return { fen: text.startsWith('-') ? -fen : fen };
}

/** Parses a plain decimal number (quantities, lab values, ratios); strings allowed, exponents refused. */
export function parseDecimal(value: unknown): { value: number } | { reason: string } {
  if (typeof value === 'number') return Number.isFinite(value) ? { value } : { reason: 'not a finite number' };
  if (typeof value !== 'string') return { reason: 'not a number' };
  const text = value.trim();
  if (!DECIMAL.test(text)) return { reason: 'not a decimal number' };
  const n = Number(text);
  // 400 digits match the pattern but are Infinity as a number, which no column holds
  return Number.isFinite(n) ? { value: n } : { reason: 'too large' };
}

function numberToPlainString(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // 1e-7 and the like: render with enough digits, the decimals check then refuses it.
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** Fen to yuan as a number with 2 decimals (for JSON output). */
export function fenToYuan(fen: Fen): number {
  return Math.round(fen) / 100;
}

/** Fen to a fixed "123.45" string (CSV, messages). */
export function formatYuan(fen: Fen): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.round(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
