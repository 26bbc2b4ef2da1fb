import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { APPEAL_OUTCOMES, FundGuardError, OUTCOMES, VOTES, type FieldIssue } from '@fundguard/core';
import type { CaseCommand } from '@fundguard/service';

/**
 * One request schema per case event (a union discriminated by `type`): validation, the types and the /docs page
 * come from here. Amounts are yuan with at most 2 decimals; the route turns them into fen for the service.
 */
const Text = (description: string, opts: { minLength?: number } = {}) => Type.String({ maxLength: 4000, description, ...opts });
const Reason = Text('理由 (reason)', { minLength: 1 });
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });
const Yuan = (description: string) => Type.Number({ minimum: 0, maximum: 1e11, description: `${description}, yuan (at most 2 decimals)` });
const Attachment = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'checksum returned by the upload' }),
  bytes: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
}, { additionalProperties: false });
const Version = { expected_version: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'optimistic lock: the version the client saw' })) };
const sha = 'ab'.repeat(32);

const ev = <P extends Record<string, TSchema>>(type: string, summary: string, props: P, example: Record<string, unknown>) =>
  Type.Object({ type: Type.Literal(type), ...props, ...Version }, { additionalProperties: false, title: type, description: summary, examples: [{ type, ...example }] });

export const EVENT_SCHEMAS = {
  notify: ev('notify', '通知医院 (send the case to the hospital)', {}, {}),
  explain: ev('explain', '医院说明一条可疑明细', { finding: Id('finding id'), text: Text('说明', { minLength: 1 }), attachments: Type.Optional(Type.Array(Attachment, { maxItems: 50 })) },
    { finding: 'F-1', text: '病情需要，见病历', attachments: [{ name: '病历.pdf', sha256: sha, bytes: 1024 }] }),
  submit_explanations: ev('submit_explanations', '医保办复审通过，提交医保部门审核 (the hospital\'s 医保办; while the departments\' level runs only once it is overdue)', {}, {}),
  dept_submit: ev('dept_submit', '科室初审提交 (a department reviewer: its department\'s answers go to the 医保办)', {}, {}),
  office_return: ev('office_return', '医保办退回科室重新说明 (the 医保办 returns the departments\' answers; all departments unless named)', {
    reason: Reason, departments: Type.Optional(Type.Array(Id('department code (dept_codg)'), { minItems: 1, maxItems: 200 })),
  }, { reason: '说明不充分，请补充检验报告', departments: ['0801'] }),
  claim: ev('claim', '领取本级审核 (a reviewer who may sign the running level; then only they decide and sign it)', {}, {}),
  assign: ev('assign', '分派本级审核人 (supervisor; an eligible user: see GET /api/v1/cases/{id}/eligible?for=level, or POST /api/v1/cases/{id}/rotation for round-robin)', {
    reviewer: Id('user name of an eligible reviewer'),
  }, { reviewer: 'auditor2' }),
  rectify: ev('rectify', '登记整改情况 (the 医保办, on a final case with a deduction; counts for 整改率)', { text: Text('整改情况', { minLength: 1 }) }, { text: '已组织科室培训并修订收费流程' }),
  explanation_deadline_passed: ev('explanation_deadline_passed', '说明期限已过', {}, {}),
  decide: ev('decide', '审核决定一条明细', {
    finding: Id('finding id'), outcome: Type.Enum([...OUTCOMES]), amount: Type.Optional(Yuan('partial: the amount confirmed')),
    reason: Type.Optional(Text('理由 (required unless confirmed)')),
  }, { finding: 'F-1', outcome: 'partial', amount: 30.5, reason: '部分合理' }),
  approve_level: ev('approve_level', '本级审核通过', { level: Type.Optional(Type.Integer({ minimum: 1, maximum: 9, description: 'the level approved; must be the current one' })) }, { level: 1 }),
  return_level: ev('return_level', '退回上一级', { reason: Reason }, { reason: '证据不足' }),
  escalate: ev('escalate', '超期督办', {}, {}),
  mark_special: ev('mark_special', '标记为特殊病例 (supervisor): each level gets 48 h instead of 24 h', { reason: Reason }, { reason: '罕见病，需多学科会诊' }),
  appeal: ev('appeal', '医院申诉', { findings: Type.Array(Id('finding id'), { minItems: 1, maxItems: 1000 }), reason: Reason, evidence: Type.Array(Attachment, { maxItems: 50 }) },
    { findings: ['F-1'], reason: '有检验报告支持', evidence: [{ name: '检验报告.pdf', sha256: sha, bytes: 2048 }] }),
  appeal_deadline_passed: ev('appeal_deadline_passed', '申诉期限已过，扣款生效', {}, {}),
  assign_re_review: ev('assign_re_review', '指定申诉复核人 (an eligible user: see GET /api/v1/cases/{id}/eligible)', { reviewer: Id('user name of an eligible reviewer') }, { reviewer: 'auditor3' }),
  re_review: ev('re_review', '申诉复核结果', {
    results: Type.Array(Type.Object({ finding: Id('finding id'), outcome: Type.Enum([...APPEAL_OUTCOMES]), amount: Type.Optional(Yuan('partial: the amount kept')) }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
    reason: Reason,
  }, { results: [{ finding: 'F-1', outcome: 'partial', amount: 20 }], reason: '检验报告部分支持' }),
  refer_to_panel: ev('refer_to_panel', '提交专家组 (3 eligible members)', { members: Type.Array(Id('user name'), { minItems: 1, maxItems: 20 }), reason: Reason }, { members: ['expert1', 'expert2', 'expert3'], reason: '争议较大' }),
  panel_vote: ev('panel_vote', '专家投票', { vote: Type.Enum([...VOTES]), reason: Type.Optional(Text('理由')) }, { vote: 'uphold', reason: '证据充分' }),
  close: ev('close', '结案', {}, {}),
} satisfies Record<CaseCommand['type'], TSchema>;

export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as CaseCommand['type'][];

/** The body of POST /cases/:id/events, for /docs: one branch per type. */
export const CaseEventBody = Type.Union(Object.values(EVENT_SCHEMAS), { description: 'one case event; `type` selects its fields' });

const compiled = Object.fromEntries(Object.entries(EVENT_SCHEMAS).map(([k, v]) => [k, Compile(v)])) as Record<string, ReturnType<typeof Compile>>;

const valueAt = (body: unknown, pointer: string): unknown =>
  pointer.split('/').slice(1).reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), body);

const toFen = (yuan: number, field: string): number => {
  const fen = Math.round(yuan * 100);
  if (Math.abs(yuan * 100 - fen) > 1e-6) throw new FundGuardError('E_FIELD_INVALID', `${field}: at most 2 decimals (yuan)`, [{ field, value: yuan, reason: 'at most 2 decimals (yuan)' }]);
  return fen;
};

/**
 * Checks a body against the schema of its own `type` only (so a missing field is named as such, not drowned in the
 * other branches' errors) and returns the command with amounts in fen. `prefix` names the place of the command.
 */
export function parseCaseCommand(body: unknown, prefix = ''): CaseCommand & { expected_version?: number } {
  const at = (f: string) => `${prefix}${f}`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FundGuardError('E_INPUT_INVALID', `${at('(body)')}: must be a JSON object`, [{ field: at('(body)'), reason: 'must be a JSON object' }]);
  }
  const type = (body as { type?: unknown }).type;
  if (type === undefined) throw new FundGuardError('E_FIELD_REQUIRED', `${at('type')}: required`, [{ field: at('type'), reason: 'required' }]);
  if (typeof type !== 'string' || !Object.hasOwn(compiled, type)) {
    throw new FundGuardError('E_FIELD_INVALID', `${at('type')}: must be one of ${EVENT_TYPES.join(', ')}`, [{ field: at('type'), value: type, reason: `must be one of ${EVENT_TYPES.join(', ')}` }]);
  }
  const v = compiled[type];
  if (!v.Check(body)) {
    const issues: FieldIssue[] = [];
    for (const e of v.Errors(body)) {
      const path = e.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
      const params = e.params as { requiredProperties?: string[]; additionalProperties?: string[] };
      if (e.keyword === 'required' && params.requiredProperties) {
        for (const p of params.requiredProperties) issues.push({ field: at(path ? `${path}.${p}` : p), reason: 'required' });
      } else if (e.keyword === 'additionalProperties' && params.additionalProperties) {
        for (const p of params.additionalProperties) issues.push({ field: at(path ? `${path}.${p}` : p), reason: 'unknown field' });
      } else if (e.keyword === 'enum') {
        issues.push({ field: at(path), value: valueAt(body, e.instancePath), reason: `must be one of ${(e.params as { allowedValues: string[] }).allowedValues.join(', ')}` });
      } else if (e.keyword !== 'boolean') {
        issues.push({ field: at(path || '(body)'), value: valueAt(body, e.instancePath), reason: e.message });
      }
    }
    const seen = new Set<string>();
    const unique = issues.filter((i) => !seen.has(i.field) && seen.add(i.field));
    const required = unique.length > 0 && unique.every((i) => i.reason === 'required');
    throw new FundGuardError(required ? 'E_FIELD_REQUIRED' : 'E_FIELD_INVALID', `${type}: ${unique.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, unique);
  }
  const cmd = { ...(body as Record<string, unknown>) };
  if (typeof cmd.amount === 'number') cmd.amount = toFen(cmd.amount, at('amount'));
  if (Array.isArray(cmd.results)) {
    cmd.results = (cmd.results as Record<string, unknown>[]).map((r, i) => (typeof r.amount === 'number' ? { ...r, amount: toFen(r.amount, at(`results[${i}].amount`)) } : r));
  }
  return cmd as unknown as CaseCommand & { expected_version?: number };
}
