// Server errors as a person reads them: the stable code says what happened and what to do (in the console's
// language), known details are translated (amounts in fen become yuan, status and action codes become words), and
// English the server wrote for machines never reaches a Chinese screen (it stays in `serverMessage` for support).
import i18n from './i18n/index.ts';

export interface IssueLike {
  file?: string;
  line?: number;
  record?: string;
  field: string;
  reason: string;
  value?: unknown;
}

const yuanFmt = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const feny = (fen: string | number) => `¥${yuanFmt.format(Number(fen) / 100)}`;

/** "455 fen" → "¥4.55" anywhere in a text. */
export const fenToYuanText = (s: string): string => s.replace(/(-?\d+(?:\.\d+)?)\s*fen\b/g, (_, n: string) => feny(n));

const t = (key: string, vars?: Record<string, unknown>) => String(i18n.t(key, { ...vars, defaultValue: '' }));
const statusWord = (s: string) => t(`status.${s}`) || s;
const eventWord = (s: string) => t(`events.${s}`) || s;
const listWords = (s: string, f: (x: string) => string) => s.split(/,\s*/).map(f).join('、');

/** Known server texts: [pattern, i18n key under errors.detail, how the captures become the key's variables]. */
type Rule = [RegExp, string, (m: RegExpExecArray) => Record<string, unknown>];
const none = () => ({});
const DETAILS: Rule[] = [
  [/^allowed here: \(none: the case is closed\)$/, 'closed', none],
  [/^allowed here: (.+)$/, 'allowedHere', (m) => ({ actions: listWords(m[1], eventWord) })],
  [/^no finding (\S+) in this case$/, 'noFinding', (m) => ({ id: m[1] })],
  [/^the explanation deadline (\S+) has passed$/, 'explanationPassed', (m) => ({ at: day(m[1]) })],
  [/^an explanation needs text$/, 'explanationText', none],
  [/^the deadline (\S+) has not passed$/, 'deadlineNotPassed', (m) => ({ at: day(m[1]) })],
  [/^a partial confirmation needs an amount between 0 and (\d+) fen/, 'partialAmount', (m) => ({ max: feny(m[1]) })],
  [/^rejecting or reducing a finding needs a reason$/, 'needsReason', none],
  [/^findings without a decision: (.+)$/, 'undecided', (m) => ({ n: m[1].split(',').length })],
  [/^(\S+) already approved level (\d)/, 'alreadyApproved', (m) => ({ by: m[1], level: m[2] })],
  [/^level 1 cannot return the case further$/, 'level1Return', none],
  [/^returning needs a reason$/, 'needsReason', none],
  [/^level (\d) is not overdue \(due (\S+)\)$/, 'notOverdue', (m) => ({ level: m[1], at: day(m[2]) })],
  [/^level (\d) was already escalated$/, 'alreadyEscalated', (m) => ({ level: m[1] })],
  [/^the appeal deadline (\S+) has passed$/, 'appealPassed', (m) => ({ at: day(m[1]) })],
  [/^name the findings appealed$/, 'appealFindings', none],
  [/^an appeal needs a reason$/, 'needsReason', none],
  [/^finding (\S+) \(rule (\S+)\) is not appealable$/, 'notAppealable', (m) => ({ rule: m[2] })],
  [/^finding (\S+) deducts nothing$/, 'deductsNothing', none],
  [/^(\S+) took part in the original decision; the re-review needs a different reviewer$/, 'reviewerInvolved', (m) => ({ who: m[1] })],
  [/^only the assigned reviewer (\S+) may/, 'onlyReviewer', (m) => ({ who: m[1] })],
  [/^results missing for appealed findings/, 'resultsMissing', none],
  [/^finding (\S+) was not appealed$/, 'notAppealed', none],
  [/^finding (\S+): a partial result needs an amount between 0 and (\d+) fen/, 'partialAmount', (m) => ({ max: feny(m[2]) })],
  [/^a panel has (\d+) different members$/, 'panelSize', (m) => ({ n: m[1] })],
  [/^(.+) took part in the original decision$/, 'panelConflict', (m) => ({ who: m[1] })],
  [/^(\S+) is not on the panel$/, 'notOnPanel', (m) => ({ who: m[1] })],
  [/^(\S+) has already voted$/, 'alreadyVoted', (m) => ({ who: m[1] })],
];
const MESSAGES: Rule[] = [
  [/^审核单状态 (\w+) 下不能执行 (\w+): (.*)$/s, 'transition', (m) => ({ status: statusWord(m[1]), action: eventWord(m[2]), why: detail(m[3]) })],
  [/^审核单 (\S+) 尚未作出决定/, 'noDecisionYet', none],
  [/^case (\S+) is (\w+); fines follow the final decision$/, 'finesAfterFinal', (m) => ({ status: statusWord(m[2]) })],
  [/^作出行政处罚前应告知当事人有要求听证的权利/, 'hearing', none],
  [/^no case (\S+)/, 'noCase', (m) => ({ id: m[1] })],
  [/^no (?:stored )?encounter (\S+)/, 'noEncounter', (m) => ({ id: m[1] })],
  [/^no settlement (\S+)/, 'noSettlement', (m) => ({ id: m[1] })],
  [/^no version (\S+) of pack (\S+)/, 'noVersion', (m) => ({ version: m[1], pack: m[2] })],
  [/^no pack (\S+)/, 'noPack', (m) => ({ pack: m[1] })],
  [/^no catalogue entry (\S+) in force on (\S+)/, 'noCatalogue', (m) => ({ code: m[1], day: m[2] })],
  [/^no (?:screening run|draw|audit run) (\S+)/, 'noItem', (m) => ({ id: m[1] })],
  [/^没有适用的结算参数/, 'noPolicy', none],
  [/^用户名或密码错误/, 'badLogin', none],
  [/^unknown, revoked or expired API key/, 'sessionExpired', none],
  [/^this (?:encounter|settlement) belongs to another institution/, 'otherInstitution', none],
  [/^role (\w+) may not/, 'roleMayNot', (m) => ({ role: t(`roles.${m[1]}`) || m[1] })],
  [/^catalogue rules need a catalogue/, 'needCatalogue', none],
  [/^upload larger than (\d+) MB/, 'tooLarge', (m) => ({ mb: m[1] })],
  [/^attachments are limited to (\d+) MB/, 'tooLarge', (m) => ({ mb: m[1] })],
  [/the upload is empty|the file is empty|the attachment is empty|empty upload/, 'emptyFile', none],
  [/not a readable XLSX workbook|not an XLSX workbook/, 'notXlsx', none],
  [/: not JSON \(/, 'notJson', none],
  [/unterminated quoted field|text after a closing quote/, 'badCsv', none],
  [/encounters come as JSON Lines/, 'encounterFormat', none],
  [/^content-type /, 'contentType', none],
  [/^seed: required/, 'seedRequired', none],
  [/^n: the sample size/, 'sampleSize', none],
  [/^from and to: YYYY-MM-DD/, 'dateRange', none],
  [/^(?:month|from|to)(?::| must be) YYYY-MM/, 'monthFormat', none],
  [/^threshold: a risk between 0 and 100/, 'threshold', none],
  [/^institution (\S+) \((.*)\) has only (\d+) inspectors without a conflict; (\d+) are needed/, 'inspectors', (m) => ({ name: m[2] || m[1], have: m[3], need: m[4] })],
  [/^strata: at least one of/, 'strata', none],
  [/^medins_id: the hospital preset/, 'hospitalPreset', none],
  [/^give mdtrt_id \(a stored encounter\) or encounter, not both|^mdtrt_id or encounter is required/, 'encounterOrId', none],
  [/^PDF export needs a Chinese font/, 'pdfFont', none],
  [/^internal error \(request (\S+)\)/, 'internal', (m) => ({ id: m[1] })],
];

/** Common reasons of field issues (ingest, packs, TypeBox/ajv validation). */
const REASONS: Rule[] = [
  [/^required(?: \(or encounter\))?$|^must have required property '?([^']*)'?/, 'required', none],
  [/^required for role (\w+)$/, 'requiredFor', (m) => ({ role: t(`roles.${m[1]}`) || m[1] })],
  [/^more than 2 decimals/, 'decimals', none],
  [/^not a (?:finite |decimal )?number$|^must be (?:number|integer)$|^a whole number/, 'number', none],
  [/^must be string$/, 'string', none],
  [/^must be an? (?:JSON )?object$/, 'object', none],
  [/^must be boolean$|^true or false$/, 'boolean', none],
  [/^not a date|^YYYY-MM-DD|must match format "date"/, 'date', none],
  [/^YYYY-MM$/, 'month', none],
  [/^no such calendar day$/, 'date', none],
  [/^must be after (?:from|effective_from)$/, 'afterStart', none],
  [/^must be (?:>=|≥) (\S+)$/, 'min', (m) => ({ min: m[1] })],
  [/^must be (?:<=|≤) (\S+)$/, 'max', (m) => ({ max: m[1] })],
  [/^must be (?:a whole number )?within (\S+)[–-](\S+)$/, 'range', (m) => ({ min: m[1], max: m[2] })],
  [/^must be equal to one of the allowed values|^must be one of (.+)$/, 'oneOf', (m) => ({ values: m[1] ?? '' })],
  [/^must NOT have additional properties|^unknown (?:field|column)/, 'unknownField', none],
  [/^must NOT have fewer than|^too short|^non-empty list/, 'tooShort', none],
  [/^must NOT have more than|^amount too large/, 'tooLong', none],
  [/^sumamt ≠ cnt × pric/, 'sumamt', none],
  [/^duplicate of line (\d+)$/, 'duplicate', (m) => ({ line: m[1] })],
  [/^required column missing/, 'missingColumn', none],
  [/^row has /, 'rowShape', none],
  [/^not valid JSON|^not JSON$/, 'json', none],
  [/^catalogue rules need a catalogue$/, 'needCatalogue', none],
  [/^unknown role$/, 'unknownRole', none],
  [/^group (\S+) is not defined in the pack/, 'groupUndefined', (m) => ({ group: m[1] })],
  [/^no encounter with this mdtrt_id/, 'orphan', none],
  [/^no policy set for/, 'noPolicy', none],
  [/^upload it first$/, 'uploadFirst', none],
  [/^(?:empty file|empty upload|no records after the header)$/, 'empty', none],
];

function day(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d{2}(\.\d+)?Z$/, '').replace(/Z$/, '');
}

function apply(rules: Rule[], group: string, text: string): string | null {
  for (const [re, key, vars] of rules) {
    const m = re.exec(text);
    if (m) return t(`errors.${group}.${key}`, vars(m));
  }
  return null;
}

/** Words of English prose (not codes such as QTY-SEVOFLURANE, H61010000016 or 2024-01). */
const hasEnglishWords = (s: string) => /\b[a-z]{3,}\b/.test(s.replace(/[A-Za-z0-9_.-]*[0-9_][A-Za-z0-9_.-]*/g, ''));

/** A server sentence in the current language, or null when there is nothing fit to show. */
function detail(text: string): string {
  const known = apply(DETAILS, 'detail', text);
  if (known) return known;
  return prose(text) ?? '';
}

function prose(text: string): string | null {
  const s = fenToYuanText(text.trim());
  if (!s) return null;
  if (i18n.language === 'en') return s.replace(/\p{Script=Han}[\p{Script=Han}\p{P}\s\d]*\(([^)]*[a-z][^)]*)\)/gu, '$1');
  // Chinese with an English gloss in brackets: keep the Chinese.
  const zh = s.replace(/\s*\((?=[^)]*[a-z]{3})[^)]*\)/g, '').trim();
  return hasEnglishWords(zh) ? null : zh;
}

/** A field path for a person: the national field's Chinese label when the console knows one. */
export function fieldLabel(field: string): string {
  const base = field.replace(/\[\d+\]/g, '').split('.').pop() ?? field;
  const label = t(`errors.fields.${base}`) || t(`fields.${base}`);
  if (!label) return field;
  const row = /\[(\d+)\]/.exec(field);
  return row ? t('errors.row', { n: Number(row[1]) + 1, label }) : label;
}

export function translateIssue(i: IssueLike): string {
  const record = i.record ? i.record.replace(/^rule=#?(.+)$/, (_, id: string) => t('errors.rule', { id })) : undefined;
  const where = [i.file, i.line !== undefined ? t('errors.line', { n: i.line }) : undefined, record].filter(Boolean).join(' ');
  const reason = apply(REASONS, 'reason', i.reason) ?? prose(i.reason) ?? t('errors.reason.invalid');
  const value = i.value === undefined || i.value === null || i.value === '' ? '' : t('errors.value', { value: typeof i.value === 'string' ? i.value : JSON.stringify(i.value) });
  return `${where ? where + ' ' : ''}${fieldLabel(i.field)}${i18n.language === 'en' ? ': ' : '：'}${reason}${value}`;
}

/** The message a person sees for an error answer of the API. */
export function translateError(status: number, code: string, message: string, issues: readonly IssueLike[] = [], total?: number): string {
  const head = t(`errors.code.${code}`) || t(`errors.status.${status >= 500 ? 500 : status}`) || t('errors.code.E_HTTP');
  const known = apply(MESSAGES, 'message', message);
  const parts: string[] = [];
  if (known) parts.push(known);
  else {
    parts.push(head);
    const extra = issues.length || code.startsWith('FST_') ? null : prose(message.replace(/^[^:]*\.(?:csv|xlsx|jsonl|json|ya?ml)(?: line \d+)?:\s*/i, ''));
    if (extra && extra !== head && !/^\d{3} /.test(extra)) parts.push(extra);
  }
  const shown = issues.slice(0, 3).map(translateIssue);
  if (shown.length) parts.push(shown.join(i18n.language === 'en' ? '; ' : '；'));
  const n = total ?? issues.length;
  if (n > shown.length) parts.push(t('errors.more', { n: n - shown.length }));
  return parts.join(' ');
}
