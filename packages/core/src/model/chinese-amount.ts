import type { Fen } from './money.ts';

const DIGITS = '零壹贰叁肆伍陆柒捌玖';
const UNITS = ['', '拾', '佰', '仟'];
const SECTIONS = ['', '万', '亿', '万亿'];

/** 人民币大写 for notices and statements: 88215.00 → 人民币捌万捌仟贰佰壹拾伍元整. */
export function chineseUppercaseAmount(fen: Fen): string {
  if (!Number.isSafeInteger(fen)) throw new Error('amount must be whole fen');
  const negative = fen < 0;
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const jiao = Math.floor((abs % 100) / 10);
  const fenDigit = abs % 10;
  let text = '';
  if (yuan === 0) text = '零';
  else {
    const sections: number[] = [];
    for (let n = yuan; n > 0; n = Math.floor(n / 10000)) sections.push(n % 10000);
    let needZero = false;
    for (let i = sections.length - 1; i >= 0; i--) {
      const sec = sections[i];
      if (sec === 0) {
        needZero = text !== '';
        continue;
      }
      if (needZero || (text !== '' && sec < 1000)) text += '零';
      needZero = false;
      let secText = '';
      let zero = false;
      for (let d = 3; d >= 0; d--) {
        const digit = Math.floor(sec / 10 ** d) % 10;
        if (digit === 0) {
          zero = secText !== '';
          continue;
        }
        if (zero) secText += '零';
        zero = false;
        secText += DIGITS[digit] + UNITS[d];
      }
      text += secText + SECTIONS[i];
    }
  }
  let tail: string;
  if (jiao === 0 && fenDigit === 0) tail = '元整';
  else if (fenDigit === 0) tail = `元${DIGITS[jiao]}角`;
  else tail = `元${jiao === 0 ? '零' : DIGITS[jiao] + '角'}${DIGITS[fenDigit]}分`;
  return `人民币${negative ? '负' : ''}${text}${tail}`;
}
