import { fenToYuan, formatYuan } from '../model/money.ts';
import type { LevelMapping } from '../model/institution.ts';
import { STAGE_BIT, type CompiledPack, type CompiledRule } from './compile.ts';
import { buildContext, regionCovers, windowName, type LineCtx, type PatientInput } from './context.ts';
import { KIND_FNS, type EvalEnv, type Flag } from './kinds/index.ts';
import type { Category, Severity, Stage } from './types.ts';
import { F, T, U } from './conditions.ts';

export interface EvaluateOptions extends EvalEnv {
  stage: Stage;
  /** evaluate only these rule ids (3101 `rule_ids`); unknown ids are ignored */
  ruleIds?: readonly string[];
  levelMapping?: LevelMapping;
}

export interface FindingLine {
  rx_id: string;
  hilist_code: string;
  hilist_name: string;
  hilist_type: string;
  /** fen */
  amount: number;
  day: string;
  limit?: string | number;
  actual?: string | number;
}

/** One result per (rule, encounter) with its flagged lines (rule-pack.md §3 "Output grouping"). */
export interface Finding {
  pack: string;
  pack_version: string;
  rule_id: string;
  rule_name: string;
  category: Category;
  severity: Severity;
  appealable: boolean;
  patn_id: string;
  mdtrt_id: string;
  /** fen: the sum of the lines' amounts */
  amount: number;
  lines: FindingLine[];
  readonly message: string;
  readonly evidence: string;
}

const DEFAULT_MESSAGES: Record<string, string> = {
  gender: '{item_name}限{limit}性患者使用，本患者为{actual}性',
  age: '{item_name}限{limit}患者使用，本患者{actual}',
  indication: '{item_name}超出限定支付范围使用',
  institution_level: '{item_name}限{limit}医疗机构使用，本机构为{actual}',
  setting: '{item_name}限{limit}使用，本次为{actual}',
  quantity: '{item_name}{window}累计数量{actual}，超过限量{limit}',
  frequency: '{item_name}{window}收费{actual}，超过限定{limit}',
  prescription: '处方超量：{item_name}实际{actual}，限{limit}',
  exclusive: '{item_name}与{actual}互斥，不得同时收费',
  bundled: '{item_name}{limit}，不得另行收费',
  stacking: '{item_name}{window}同类药品叠加使用{actual}种，限{limit}种',
  prerequisite: '{item_name}缺少前置项目（{window}）',
  duplicate: '{item_name}重复计费，同一时间第{actual}次',
  catalogue: '{item_name}：{actual}（应{limit}）',
  blacklist: '{item_name}：{actual}，{limit}',
};

const PLACEHOLDER = /\{(item_name|item_code|limit|actual|window)\}/g;

/** Fills a message template in one pass: {item_name}, {item_code}, {limit}, {actual}, {window}. */
function fill(template: string, f: Flag, rule: CompiledRule): string {
  return template.replace(PLACEHOLDER, (_m, k: string) => {
    switch (k) {
      case 'item_name':
        return f.line.line.hilist_name || f.line.line.hilist_code;
      case 'item_code':
        return f.line.line.hilist_code;
      case 'limit':
        return String(f.limit ?? '');
      case 'actual':
        return String(f.actual ?? '');
      default:
        return windowName(rule.params.window);
    }
  });
}

/**
 * Whether a rule applies to a line: false, true, or — on an encounter that did not carry the labs or flags its
 * `when`/`unless` read — unknown (U), with the missing evidence named in `missing` (audit-api.md §2).
 */
function passes(rule: CompiledRule, l: LineCtx, ruleIds: ReadonlySet<string> | null, missing: string[]): boolean | typeof U {
  if (ruleIds && !ruleIds.has(rule.rule.id)) return false;
  if (l.day < rule.from || (rule.to !== null && l.day >= rule.to)) return false;
  if (rule.scenarios && (l.enc.scenario === null || !rule.scenarios.has(l.enc.scenario))) return false;
  if (rule.insutypes && !rule.insutypes.has(l.enc.enc.insutype)) return false;
  if (rule.evidence && l.enc.missingEvidence && (rule.whenTri || rule.unlessTri)) {
    const w = rule.whenTri ? rule.whenTri(l.enc, l, missing) : rule.when && !rule.when(l.enc, l) ? F : T;
    if (w === F) return false;
    const u = rule.unlessTri ? rule.unlessTri(l.enc, l, missing) : rule.unless && rule.unless(l.enc, l) ? T : F;
    if (u === T) return false;
    return w === U || u === U ? U : true;
  }
  if (rule.when && !rule.when(l.enc, l)) return false;
  if (rule.unless && rule.unless(l.enc, l)) return false;
  return true;
}

/**
 * Evaluates one patient (the current encounters plus history) against the compiled packs at one stage.
 * Self-paid lines are never counted or flagged; only current lines are flagged; every other line is context.
 */
export function evaluatePatient(packs: readonly CompiledPack[], input: PatientInput, opts: EvaluateOptions): Finding[] {
  const { lines } = buildContext(input, opts.levelMapping);
  const ruleIds = opts.ruleIds && opts.ruleIds.length ? new Set(opts.ruleIds) : null;
  const counted = new Map<CompiledRule, { items: LineCtx[]; aux: LineCtx[]; current: boolean }>();
  /** rule → encounter index → the evidence its when/unless lacked there (audit-api.md §2) */
  const uncertain = new Map<CompiledRule, Map<number, string[]>>();
  const missing: string[] = [];
  const stageBit = STAGE_BIT[opts.stage];
  let line: LineCtx;
  let role: 'items' | 'aux' = 'items';
  /** adds the current line to the rules of one index list that can match its code (items or secondary patterns) */
  const collect = (rules: readonly CompiledRule[]) => {
    const l = line;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if ((rule.stageMask & stageBit) === 0) continue;
      const ok = passes(rule, l, ruleIds, missing);
      if (ok === false) continue;
      if (ok === U) {
        let byEnc = uncertain.get(rule);
        if (!byEnc) uncertain.set(rule, (byEnc = new Map()));
        const names = byEnc.get(l.enc.index) ?? [];
        for (const n of missing) if (!names.includes(n)) names.push(n);
        byEnc.set(l.enc.index, names);
      }
      if (missing.length) missing.length = 0;
      let c = counted.get(rule);
      if (!c) counted.set(rule, (c = { items: [], aux: [], current: false }));
      const list = c[role];
      if (list.length && list[list.length - 1] === l) continue;
      list.push(l);
      if (l.current) c.current = true;
    }
  };
  for (const pack of packs) {
    for (const l of lines) {
      if (l.selfPaid) continue;
      if (l.day < pack.from || (pack.to !== null && l.day >= pack.to)) continue;
      if (!(pack.region === '*' || l.enc.regions.some((r) => regionCovers(pack.region, r)))) continue;
      line = l;
      role = 'items';
      pack.itemIndex.each(l.line.hilist_code, collect);
      if (pack.hasAux) {
        role = 'aux';
        pack.auxIndex.each(l.line.hilist_code, collect);
      }
    }
  }
  const out: { f: Finding; enc: number; pack: number; pos: number }[] = [];
  const packOrder = new Map(packs.map((p, i) => [p, i]));
  for (const [rule, c] of counted) {
    if (!c.current) continue;
    const flags = KIND_FNS[rule.kind]({ rule, items: c.items, aux: c.aux, env: opts });
    if (!flags.length) continue;
    const byEncounter = new Map<number, Flag[]>();
    for (const f of flags) {
      const g = byEncounter.get(f.line.enc.index);
      if (g) g.push(f);
      else byEncounter.set(f.line.enc.index, [f]);
    }
    for (const [encIndex, group] of byEncounter) {
      group.sort((a, b) => a.line.inputIndex - b.line.inputIndex);
      // Missing evidence: if the outcome in this encounter depends on evidence the request did not carry, the finding asks.
      let lacking: string[] | null = uncertain.get(rule)?.get(encIndex) ?? null;
      for (const f of group) {
        for (const n of f.missing ?? []) {
          lacking ??= [];
          if (!lacking.includes(n)) lacking.push(n);
        }
      }
      out.push({ f: new RuleFinding(rule, group, lacking), enc: encIndex, pack: packOrder.get(rule.pack) ?? 0, pos: rule.position });
    }
  }
  // Stable output: by encounter order of the input, then pack order, then rule order in the pack.
  out.sort((a, b) => a.enc - b.enc || a.pack - b.pack || a.pos - b.pos);
  const findings = out.map((x) => x.f);
  return findings;
}

/**
 * One finding from the flags of one rule in one encounter. The message and the evidence are text made from the
 * flags; they are rendered when first read (every output path reads them) and then kept. `toJSON` includes them.
 */
class RuleFinding implements Finding {
  readonly pack: string;
  readonly pack_version: string;
  readonly rule_id: string;
  readonly rule_name: string;
  readonly category: Category;
  readonly severity: Severity;
  readonly appealable: boolean;
  readonly patn_id: string;
  readonly mdtrt_id: string;
  readonly amount: number;
  readonly lines: FindingLine[];
  #rule: CompiledRule;
  #first: Flag;
  #message: string | undefined = undefined;
  #evidence: string | undefined = undefined;
  /** the evidence the encounter lacked and the finding depends on; null when the finding is definite */
  readonly #missing: string[] | null;

  constructor(rule: CompiledRule, group: Flag[], missing: string[] | null = null) {
    const first = group[0];
    const enc = first.line.enc;
    const r = rule.rule;
    let amount = 0;
    const lines: FindingLine[] = new Array(group.length);
    for (let i = 0; i < group.length; i++) {
      const f = group[i];
      const ol = f.line.line;
      amount += f.amount;
      lines[i] = { rx_id: ol.rx_id, hilist_code: ol.hilist_code, hilist_name: ol.hilist_name, hilist_type: ol.hilist_type, amount: f.amount, day: f.line.day, limit: f.limit, actual: f.actual };
    }
    this.pack = rule.pack.id;
    this.pack_version = rule.pack.version;
    this.rule_id = r.id;
    this.rule_name = r.name;
    this.category = r.category;
    // A violation whose evidence is missing is a question (可疑), with the same amount (audit-api.md §2).
    this.severity = missing && r.severity === 'violation' ? 'suspicious' : r.severity;
    this.#missing = missing;
    this.appealable = r.appealable ?? true;
    this.patn_id = enc.patient.patn_id;
    this.mdtrt_id = enc.enc.mdtrt_id;
    this.amount = amount;
    this.lines = lines;
    this.#rule = rule;
    this.#first = first;
  }

  get message(): string {
    if (this.#message === undefined) {
      const text = fill(this.#rule.rule.message ?? DEFAULT_MESSAGES[this.#rule.kind], this.#first, this.#rule);
      this.#message = this.#missing ? `需核实：未提供${this.#missing.join('、')}；${text}` : text;
    }
    return this.#message;
  }

  get evidence(): string {
    if (this.#evidence === undefined) {
      const r = this.#rule.rule;
      let facts = '';
      for (const l of this.lines) facts += `${facts ? '；' : ''}${l.hilist_code} ${l.hilist_name} ${l.day}：实际${l.actual ?? ''}，限${l.limit ?? ''}，金额${formatYuan(l.amount)}元`;
      this.#evidence = `${r.basis ? `依据：${r.basis}。` : ''}规则${r.id}（${this.pack}@${this.pack_version}）。事实：${facts}${this.#missing ? `。未提供：${this.#missing.join('、')}（请补充后核实）` : ''}`;
    }
    return this.#evidence;
  }

  toJSON(): Finding {
    const { pack, pack_version, rule_id, rule_name, category, severity, appealable, patn_id, mdtrt_id, amount, lines, message, evidence } = this;
    return { pack, pack_version, rule_id, rule_name, category, severity, appealable, patn_id, mdtrt_id, amount, lines, message, evidence };
  }
}

const SEV_DEG: Record<Severity, string> = { violation: '1', suspicious: '2', reminder: '3' };

/** A stable id from text (FNV-1a, two lanes): the same inputs always give the same jr_id. */
export function stableId(prefix: string, text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 13);
  }
  return `${prefix}${(h1 >>> 0).toString(16).padStart(8, '0')}${(h2 >>> 0).toString(16).padStart(8, '0')}`;
}

/** The audit-api.md §3 result row; `salt` makes ids unique per call or run (same salt and finding → same ids). */
export function toResultRow(f: Finding, opts: { salt: string; taskId?: string }): Record<string, unknown> & { jr_id: string } {
  const jr = stableId('JR', `${opts.salt}\u0000${f.pack}\u0000${f.pack_version}\u0000${f.rule_id}\u0000${f.mdtrt_id}`);
  return {
    jr_id: jr,
    rule_id: f.rule_id,
    rule_name: f.rule_name,
    vola_cont: f.message,
    patn_id: f.patn_id,
    mdtrt_id: f.mdtrt_id,
    vola_amt: fenToYuan(f.amount),
    vola_amt_stas: f.severity === 'violation' ? '1' : '0',
    sev_deg: SEV_DEG[f.severity],
    vola_evid: f.evidence,
    vola_bhvr_type: f.category,
    task_id: opts.taskId ?? '',
    pack: f.pack,
    pack_version: f.pack_version,
    judge_result_detail_dtos: f.lines.map((l, i) => ({
      jrd_id: `${jr}-${i + 1}`, jr_id: jr, patn_id: f.patn_id, mdtrt_id: f.mdtrt_id, rx_id: l.rx_id, hilist_code: l.hilist_code, hilist_name: l.hilist_name,
      vola_item_type: l.hilist_type, vola_amt: fenToYuan(l.amount),
    })),
  };
}
