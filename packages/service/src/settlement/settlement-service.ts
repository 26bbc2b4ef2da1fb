import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { loadExcel } from '../lazy-modules.ts';
import {
  canonicalJson, explainSettlement, fenToYuan, formatYuan, FundGuardError, normaliseImportEncounter, parsePolicy, policyFromSheetRows,
  reverse, settle, settlementOutput, type Accumulators, type CatalogueEntry, type Encounter, type PatientEncounter, type Policy,
} from '@fundguard/core';
import { SettlementRepo, type AuditEntryInput, type Db, type PolicySetRow, type SettlementRow } from '@fundguard/store';
import { boundInstitution, inScope, requireInScope, requirePermission, type Actor } from '../auth/roles.ts';
import { dictionaryOf } from '../dictionary.ts';
import type { ServiceContext } from '../context.ts';
import { Coalescer } from '../coalesce.ts';
import { checkXlsx } from '../imports/zip-guard.ts';

export interface SettleRequest {
  /** the caller's key: the same key and body again returns the first answer; the same key with another body is a conflict */
  idempotency_key: string;
  /** a stored encounter … */
  mdtrt_id?: string;
  /** … or one in the claims-import.md shape (with patn_id) */
  encounter?: unknown;
  person?: { retiree?: boolean };
  /** default: the insured person's pooling area (poolarea), else the institution's */
  region?: string;
  /** default: inpatient for med_mdtrt_type 2, else outpatient */
  scenario?: string;
}

export interface SettlementView {
  setl_id: string;
  mdtrt_id: string;
  patn_id: string;
  medins_id: string;
  /** the insurance year: the year of the date of service (discharge, else admission), not of the recording */
  year: number;
  status: 'settled' | 'reversed';
  settled_at: string;
  reversed_at: string | null;
  policy_set_id: number;
  /** the settlement.md output: yuan, accumulators_after, trace, lines, and the plain-Chinese explanation */
  result: Record<string, unknown>;
  /** true when this answer repeats an earlier request with the same idempotency key */
  replayed?: boolean;
}

const KEY_RE = /^[\x21-\x7e]{1,128}$/;
/** settlements written in one transaction at most (a batch holds the audit chain's lock for its insert and commit) */
const MAX_BATCH = 64;
const BATCHES_IN_FLIGHT = 2;

interface PendingSettlement {
  actor: Actor;
  retiree: boolean;
  /** the stored key (keyOf) and the caller's */
  key: string;
  callerKey: string;
  requestHash: string;
  encounter: Encounter;
  set: PolicySetRow;
  policy: Policy;
  catalogue: Map<string, CatalogueEntry> | undefined;
  day: string;
  year: number;
  at: string;
  resolve: (v: SettlementView) => void;
  reject: (e: unknown) => void;
}

type Outcome = { view: SettlementView } | { error: FundGuardError };
const hash = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex');
const view = (r: SettlementRow, replayed = false): SettlementView => ({
  setl_id: r.setl_id, mdtrt_id: r.mdtrt_id, patn_id: r.patn_id, medins_id: r.medins_id, year: Number(r.year), status: r.status, settled_at: r.settled_at,
  reversed_at: r.reversed_at, policy_set_id: r.policy_set_id, result: r.result, ...(replayed ? { replayed } : {}),
});

/**
 * Stateful settlement (settlement.md): policy sets as data, year-to-date accumulators per person, settle and reverse
 * (冲销) with idempotency keys, and the institution's monthly statement net of the case workflow's deductions.
 * A person's settlements are serialised by a row lock on their year's accumulators, so parallel requests in several
 * processes never lose an update.
 */
export class SettlementService {
  readonly repo: SettlementRepo;

  /** Look-ups of concurrent settlements, each as one query for all of them (coalesce.ts). */
  private readonly byKey: Coalescer<string, SettlementRow>;
  private readonly encounterById: Coalescer<string, PatientEncounter>;
  private readonly policyFor: Coalescer<{ region: string; insutype: string; scenario: string; day: string }, PolicySetRow>;
  private readonly catalogueFor: Coalescer<{ codes: string[]; day: string; region: string }, Map<string, CatalogueEntry>>;

  constructor(private readonly ctx: ServiceContext) {
    this.repo = new SettlementRepo(ctx.database);
    this.byKey = new Coalescer(async (keys) => {
      const found = await this.repo.byIdempotencyKeys(keys);
      return keys.map((k) => found.get(k));
    });
    this.encounterById = new Coalescer(async (ids) => {
      const found = new Map((await ctx.encounters.load(sql`e.mdtrt_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`)).map((pe) => [pe.encounter.mdtrt_id, pe]));
      return ids.map((id) => found.get(id));
    });
    this.policyFor = new Coalescer(async (qs) => (await this.repo.policiesInForce(qs)).map((r) => r ?? undefined));
    this.catalogueFor = new Coalescer((qs) => ctx.catalogue.findManyAt(qs));
  }

  // ---- policy parameter sets ----------------------------------------------------------------------------------

  /** Stores sets (all or none): each checked by the contract; re-sending a stored version unchanged is a no-op. */
  async importPolicySets(actor: Actor, bodies: readonly unknown[], source: string): Promise<{ created: number; unchanged: number; sets: PolicySetRow[] }> {
    requirePermission(actor, 'policy.write');
    const parsed = bodies.map((b, i) => {
      try {
        return { body: b as Record<string, unknown>, policy: parsePolicy(b, bodies.length > 1 ? `policy[${i}]` : 'policy') };
      } catch (e) {
        if (e instanceof FundGuardError) throw new FundGuardError(e.code, `${source}: ${e.message}`, e.issues.map((x) => ({ ...x, file: source })));
        throw e;
      }
    });
    const at = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const sets: PolicySetRow[] = [];
      let created = 0;
      for (const { body, policy: p } of parsed) {
        const r = await this.repo.insertPolicySet(tx, {
          region: p.region, year: p.year, insutype: p.insutype, scenario: p.scenario, version: p.version, cap_group: p.cap_group,
          effective_from: p.effective_from, effective_to: p.effective_to, body, created_by: actor.id, created_at: at,
        });
        if (!r.created && canonicalJson(r.row.body) !== canonicalJson(body)) {
          throw new FundGuardError('E_CONFLICT', `policy ${p.region}/${p.insutype}/${p.scenario} ${p.year} version ${p.version} is already stored with other parameters: give the change a new version`);
        }
        if (r.created) created++;
        sets.push(r.row);
      }
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'policy.import', entityType: 'policy_set', entityId: sets.map((s) => s.id).join(','), at, detail: { source, created, versions: sets.map((s) => `${s.region}/${s.insutype}/${s.scenario}@${s.version}`) } }]);
      return { created, unchanged: sets.length - created, sets };
    });
  }

  /** A JSON file (one set or a list of sets) or an XLSX workbook with one 字段/值 sheet per set. */
  async importPolicyFile(actor: Actor, content: Buffer, name: string, contentType = ''): Promise<{ created: number; unchanged: number; sets: PolicySetRow[] }> {
    if (name.endsWith('.xlsx') || contentType.includes('spreadsheetml')) return this.importPolicySets(actor, await policySheets(content, name), name);
    let json: unknown;
    try {
      json = JSON.parse(content.toString('utf8'));
    } catch (e) {
      throw new FundGuardError('E_INPUT_INVALID', `${name}: not JSON (${(e as Error).message})`, [{ file: name, field: '', reason: 'not JSON' }]);
    }
    return this.importPolicySets(actor, Array.isArray(json) ? json : [json], name);
  }

  async policySets(actor: Actor, q: { region?: string; year?: number } = {}): Promise<PolicySetRow[]> {
    requirePermission(actor, 'policy.read');
    return this.repo.listPolicySets(q);
  }

  // ---- settle and reverse -------------------------------------------------------------------------------------

  async settle(actor: Actor, req: SettleRequest): Promise<SettlementView> {
    requirePermission(actor, 'settlement.write');
    const callerKey = checkKey(req?.idempotency_key, 'idempotency_key');
    // Keys are the caller's own: the same key from two callers is two requests, and a replay never crosses callers.
    const key = keyOf(actor, callerKey);
    const requestHash = hash({ ...req, idempotency_key: undefined });
    // The key's earlier answer and the encounter are looked up at once; a replay answers whatever the encounter's look-up says.
    const loading = this.loadEncounter(actor, req);
    loading.catch(() => undefined);
    const earlier = await this.byKey.load(key);
    if (earlier) {
      requireInScope(actor, earlier, `no settlement for idempotency_key ${callerKey}`);
      return this.replay(earlier, requestHash, callerKey);
    }
    const { encounter, poolarea } = await loading;
    if (req.person?.retiree !== undefined && typeof req.person.retiree !== 'boolean') throw new FundGuardError('E_INPUT_INVALID', 'person.retiree: true or false', [{ field: 'person.retiree', value: req.person.retiree, reason: 'true or false' }]);
    const day = (encounter.dscg_date ?? encounter.adm_date).slice(0, 10);
    const region = req.region ?? (poolarea || encounter.medins_admdvs);
    const scenario = req.scenario ?? (encounter.med_mdtrt_type === '2' ? 'inpatient' : 'outpatient');
    // The policy and the catalogue entries are independent look-ups: asked at once (two connections on PostgreSQL).
    const [set, found] = await Promise.all([
      this.policyFor.load({ region, insutype: encounter.insutype, scenario, day }),
      this.catalogueFor.load({ codes: encounter.fsi_order_dtos.map((l) => l.hilist_code), day, region }).then((m) => m!),
    ]);
    if (!set) {
      throw new FundGuardError('E_NOT_FOUND', `没有适用的结算参数: region ${region}, insutype ${encounter.insutype}, scenario ${scenario}, in force on ${day} (mdtrt_id ${encounter.mdtrt_id})`,
        [{ record: `mdtrt_id=${encounter.mdtrt_id}`, field: 'policy', reason: `no policy set for ${region}/${encounter.insutype}/${scenario} on ${day}` }]);
    }
    const policy = this.policyOf(set);
    // Without any catalogue stored, classes come from the lines; with one, a code it lacks is 全自费 (settlement.md).
    let catalogue: Map<string, CatalogueEntry> | undefined = found;
    if (catalogue.size === 0 && (await this.ctx.catalogue.count()) === 0) catalogue = undefined;
    const year = Number(day.slice(0, 4));
    const at = this.ctx.nowIso();
    return new Promise<SettlementView>((resolve, reject) => {
      this.queue.push({ actor, retiree: req.person?.retiree === true, key, callerKey, requestHash, encounter, set, policy, catalogue, day, year, at, resolve, reject });
      if (this.draining < BATCHES_IN_FLIGHT) void this.drain();
    });
  }

  /** Parsed policy sets by id (a stored set never changes: a change is a new version, a new id). */
  private readonly policies = new Map<number, Policy>();

  private policyOf(set: PolicySetRow): Policy {
    let p = this.policies.get(set.id);
    if (!p) {
      if (this.policies.size > 1000) this.policies.clear();
      this.policies.set(set.id, (p = parsePolicy(set.body)));
    }
    return p;
  }

  /**
   * Settlements waiting for their transaction. Concurrent settlements are written in batches, one transaction each
   * (group commit): the people's accumulators locked together in a fixed order, one insert, one update, one audit
   * append and one commit for the batch instead of for each — what bounds the throughput on PostgreSQL is the
   * commit and the audit chain's lock, which every settlement otherwise takes in turn.
   */
  private readonly queue: PendingSettlement[] = [];
  private draining = 0;
  /** settlements per transaction at most; 1 writes each in a transaction of its own (the bench's same-run baseline) */
  maxBatch = MAX_BATCH;

  /**
   * Runs batches while settlements wait, at most BATCHES_IN_FLIGHT at once: while one commits, the next locks and
   * checks (the same person in both waits on the row lock; the locks are taken in one order, so they never deadlock).
   */
  private async drain(): Promise<void> {
    this.draining++;
    try {
      while (this.queue.length) await this.runBatch(this.queue.splice(0, this.maxBatch));
    } finally {
      this.draining--;
    }
  }

  /** One batch in one transaction; if the transaction fails, each settlement again in a transaction of its own. */
  private async runBatch(batch: PendingSettlement[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.ctx.database.transaction((tx) => this.settleBatch(tx, batch));
    } catch (e) {
      if (batch.length > 1) {
        for (const p of batch) await this.runBatch([p]);
        return;
      }
      // Two first requests with one key in two processes: the unique index stops the second; answer as a replay.
      const p = batch[0];
      try {
        const again = await this.repo.byIdempotencyKey(p.key);
        if (again) p.resolve(this.replay(again, p.requestHash, p.callerKey));
        else p.reject(e);
      } catch (e2) {
        p.reject(e2);
      }
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if ('error' in o) p.reject(o.error);
      else p.resolve(o.view);
    });
  }

  /**
   * Settles a batch inside one transaction, in order: each settlement sees the ones before it (the same person's
   * accumulators, an encounter or key settled earlier in the batch). A refused settlement changes nothing; the others go on.
   */
  private async settleBatch(tx: Db, batch: readonly PendingSettlement[]): Promise<Outcome[]> {
    const people = batch.map((p) => ({ patn_id: p.encounter.patn_id, year: p.year, cap_group: p.policy.cap_group }));
    const locked = await this.repo.lockAccumulatorsMany(tx, people, batch[0].at);
    // A request with the same key may have won the lock first; an encounter may have a live settlement.
    const found = await this.repo.settlementChecksMany(tx, batch.map((p) => p.key), batch.map((p) => p.encounter.mdtrt_id));
    const byKey = new Map(found.map((r) => [r.idempotency_key, r]));
    const live = new Map(found.filter((r) => r.status === 'settled').map((r) => [r.mdtrt_id, r]));
    const rows: Parameters<SettlementRepo['storeBatch']>[1]['rows'][number][] = [];
    const entries: AuditEntryInput[] = [];
    const usedYears = new Map<string, string>();
    const usedCaps = new Map<string, string>();
    const outcomes = batch.map((p): Outcome => {
      try {
        const { encounter, policy, set, key, callerKey, requestHash, actor, at, year } = p;
        const raced = byKey.get(key);
        if (raced) return { view: this.replay(raced, requestHash, callerKey) };
        const settled = live.get(encounter.mdtrt_id);
        if (settled && !inScope(actor, settled)) throw new FundGuardError('E_CONFLICT', `就诊ID ${encounter.mdtrt_id} 已被其他机构的结算使用，不能结算`, [{ record: `mdtrt_id=${encounter.mdtrt_id}`, field: 'mdtrt_id', reason: 'in use by another institution\'s settlement' }]);
        if (settled) throw new FundGuardError('E_CONFLICT', `就诊 ${encounter.mdtrt_id} 已结算 (setl_id ${settled.setl_id})；重新结算前须先冲销`);
        const yk = `${encounter.patn_id}\u0000${year}`;
        const ck = `${yk}\u0000${policy.cap_group}`;
        const before: Accumulators = { ...locked.years.get(yk)!, ...locked.caps.get(ck)! };
        const r = settle({ policy, encounter, retiree: p.retiree, catalogue: p.catalogue, accumulators: before });
        const result = {
          ...settlementOutput(r),
          explanation: explainSettlement(r, { inpatient: encounter.med_mdtrt_type === '2', admissionsBefore: before.admissions }),
          accumulators_before: yuanAccumulators(before),
        };
        const row = {
          setl_id: `S${p.day.replaceAll('-', '')}${randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`, idempotency_key: key, request_hash: requestHash,
          mdtrt_id: encounter.mdtrt_id, patn_id: encounter.patn_id, medins_id: encounter.medins_id, year, cap_group: policy.cap_group, policy_set_id: set.id,
          settled_at: at, medfee_fen: r.fen.medfee_sumamt, hifp_fen: r.fen.hifp_pay, hifmi_fen: r.fen.hifmi_pay, fund_pay_fen: r.fen.fund_pay_sumamt,
          psn_part_fen: r.fen.psn_part_amt, acc_before: before, acc_after: r.accumulators_after, result, actor: actor.id,
        };
        const a = r.accumulators_after;
        locked.years.set(yk, { admissions: a.admissions, catastrophic_base: a.catastrophic_base, catastrophic_paid: a.catastrophic_paid });
        locked.caps.set(ck, { fund_paid: a.fund_paid, deductible_met: a.deductible_met });
        usedYears.set(yk, at);
        usedCaps.set(ck, at);
        const stored: SettlementRow = { ...row, status: 'settled', reversal_key: null, reversed_at: null, reversed_by: null, reversal_reason: null };
        byKey.set(key, stored);
        live.set(encounter.mdtrt_id, stored);
        rows.push(row);
        entries.push({
          actor: actor.id, action: 'settlement.create', entityType: 'settlement', entityId: row.setl_id, at,
          detail: { mdtrt_id: row.mdtrt_id, medins_id: row.medins_id, idempotency_key: callerKey, policy_set_id: set.id, fund_pay_fen: row.fund_pay_fen, medfee_fen: row.medfee_fen },
        });
        return { view: view(stored) };
      } catch (error) {
        if (error instanceof FundGuardError) return { error };
        throw error;
      }
    });
    const split = (k: string) => k.split('\u0000');
    await this.repo.storeBatch(tx, {
      rows,
      years: [...usedYears].map(([k, at]) => ({ patn_id: split(k)[0], year: Number(split(k)[1]), a: locked.years.get(k)!, at })),
      caps: [...usedCaps].map(([k, at]) => ({ patn_id: split(k)[0], year: Number(split(k)[1]), cap_group: split(k)[2], a: locked.caps.get(k)!, at })),
      // Rows created for people none of whose settlements went through: as if never asked.
      dropYears: locked.created.years.filter((y) => !usedYears.has(`${y.patn_id}\u0000${y.year}`)),
      dropCaps: locked.created.caps.filter((c) => !usedCaps.has(`${c.patn_id}\u0000${c.year}\u0000${c.cap_group}`)),
    });
    // Last in the transaction: the audit chain's lock is then held only for this insert and the commit.
    await this.ctx.auditLog.append(tx, entries);
    return outcomes;
  }

  /** 冲销: subtracts exactly what the settlement added (settlement.md step 9), whether or not it was the latest. */
  async reverse(actor: Actor, setlId: string, req: { idempotency_key: string; reason?: string }): Promise<SettlementView> {
    requirePermission(actor, 'settlement.write');
    const callerKey = checkKey(req?.idempotency_key, 'idempotency_key');
    const key = keyOf(actor, callerKey);
    const reason = typeof req.reason === 'string' ? req.reason : '';
    // Scope first: another institution's settlement answers exactly like a missing one, replay or not.
    const s = await this.repo.get(setlId);
    if (!s) throw new FundGuardError('E_NOT_FOUND', `no settlement ${setlId}`);
    requireInScope(actor, s, `no settlement ${setlId}`);
    const done = await this.repo.byReversalKey(key);
    if (done) {
      if (done.setl_id !== setlId) throw new FundGuardError('E_CONFLICT', `idempotency_key ${callerKey} already reversed settlement ${done.setl_id}`);
      return view(done, true);
    }
    const at = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const current = await this.repo.lockAccumulators(tx, s.patn_id, s.year, s.cap_group, at);
      const locked = (await this.repo.get(setlId, tx, true))!;
      if (locked.status === 'reversed') {
        if (locked.reversal_key === key) return view(locked, true);
        throw new FundGuardError('E_CONFLICT', `结算 ${setlId} 已于 ${locked.reversed_at} 冲销`);
      }
      const after = reverse(current, { before: locked.acc_before, after: locked.acc_after });
      const negative = (Object.keys(after) as (keyof Accumulators)[]).filter((k) => after[k] < 0);
      if (negative.length) throw new FundGuardError('E_CONFLICT', `reversing ${setlId} would make ${negative.join(', ')} negative: the accumulators were changed outside settlements`);
      await this.repo.writeAccumulators(tx, s.patn_id, s.year, s.cap_group, after, at);
      await this.repo.markReversed(tx, setlId, { key, at, by: actor.id, reason });
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'settlement.reverse', entityType: 'settlement', entityId: setlId, at, detail: { reason, idempotency_key: callerKey, fund_pay_fen: s.fund_pay_fen } }]);
      return view({ ...locked, status: 'reversed', reversal_key: key, reversed_at: at, reversed_by: actor.id, reversal_reason: reason });
    });
  }

  async get(actor: Actor, setlId: string): Promise<SettlementView> {
    requirePermission(actor, 'settlement.read');
    const s = await this.repo.get(setlId);
    if (!s) throw new FundGuardError('E_NOT_FOUND', `no settlement ${setlId}`);
    requireInScope(actor, s, `no settlement ${setlId}`);
    return view(s);
  }

  /** Settlements, newest first; hospitals see their institution's, insured persons their own. */
  async list(actor: Actor, q: { patnId?: string; medinsId?: string; year?: number; limit?: number; offset?: number }): Promise<SettlementView[]> {
    requirePermission(actor, 'settlement.read');
    const scoped = { ...q };
    const bound = boundInstitution(actor);
    if (bound !== null) scoped.medinsId = bound;
    if (actor.role === 'insured') scoped.patnId = actor.patnId ?? '\u0000';
    return (await this.repo.list(scoped)).map((r) => view(r));
  }

  /** A person's year-to-date figures (yuan), per year and per cap group. */
  async accumulators(actor: Actor, patnId: string, year: number) {
    requirePermission(actor, 'settlement.read');
    if (actor.role === 'insured' && actor.patnId !== patnId) throw new FundGuardError('E_FORBIDDEN', 'insured persons see only their own figures');
    if (boundInstitution(actor) !== null) throw new FundGuardError('E_FORBIDDEN', 'year-to-date figures are the insured person\'s: an institution (or its key) does not read them');
    const a = await this.repo.accumulators(patnId, year);
    return {
      patn_id: patnId, year, admissions: a.admissions, catastrophic_base: fenToYuan(a.catastrophic_base), catastrophic_paid: fenToYuan(a.catastrophic_paid),
      cap_groups: a.cap_groups.map((c) => ({ cap_group: c.cap_group, fund_paid: fenToYuan(c.fund_paid), deductible_met: fenToYuan(c.deductible_met) })),
    };
  }

  /**
   * The insured person's own year (我的医保): the years they have settlements in, the chosen year's (default: the
   * latest year of service) settlements and figures, with the deductible actually paid that year summed from the
   * settlements themselves, so that 本年累计 and each settlement's 实际支付起付线 agree (the accumulators keep the
   * outpatient deductible only, which is what the next outpatient settlement needs).
   */
  async myYear(actor: Actor, year?: number) {
    if (actor.role !== 'insured' || !actor.patnId) throw new FundGuardError('E_FORBIDDEN', 'this view is for insured persons (signed in as themselves)');
    const patnId = actor.patnId;
    const years = await this.repo.yearsOf(patnId);
    const y = year ?? years[0] ?? Number(this.ctx.nowIso().slice(0, 4));
    const items = await this.list(actor, { year: y, limit: 1000 });
    const paid = await this.repo.deductiblePaid(patnId, y);
    return { patn_id: patnId, year: y, years, items, accumulators: { ...(await this.accumulators(actor, patnId, y)), deductible_paid: fenToYuan(paid.fen), settled: paid.settlements } };
  }

  // ---- institution monthly statement (月度结算单) ----------------------------------------------------------------

  async statement(actor: Actor, medinsId: string, month: string): Promise<InstitutionStatement> {
    requirePermission(actor, 'statement.read');
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new FundGuardError('E_INPUT_INVALID', `month: YYYY-MM, got ${month}`, [{ field: 'month', value: month, reason: 'YYYY-MM' }]);
    const bound = boundInstitution(actor);
    if (bound !== null && medinsId !== bound) throw new FundGuardError('E_NOT_FOUND', `no statement of ${medinsId} for ${month}`);
    const f = await this.repo.monthFigures(medinsId, month);
    const deductionsFen = f.deductions.reduce((s, d) => s + d.deduction_fen, 0);
    const finesFen = f.fines.reduce((s, d) => s + d.fine_fen, 0);
    const grossFen = f.settled.fund_pay_fen - f.reversed.fund_pay_fen;
    return {
      medins_id: medinsId, month, generated_at: this.ctx.nowIso(),
      settled: f.settled, reversed: f.reversed, deductions: f.deductions, fines: f.fines,
      gross_fund_fen: grossFen, deductions_fen: deductionsFen, fines_fen: finesFen, payable_fen: grossFen - deductionsFen - finesFen,
    };
  }

  async statementXlsx(actor: Actor, medinsId: string, month: string): Promise<Buffer> {
    const s = await this.statement(actor, medinsId, month);
    const ExcelJS = await loadExcel();
    const wb = new ExcelJS.Workbook();
    wb.creator = 'FundGuard';
    const ws = wb.addWorksheet('月度结算单');
    ws.columns = [{ width: 30 }, { width: 12 }, { width: 18 }, { width: 18 }, { width: 18 }, { width: 18 }];
    ws.addRow([`定点医疗机构月度结算单（${month}）`]).font = { bold: true, size: 14 };
    const name = (await dictionaryOf(this.ctx).get(actor, ['institutions'])).institutions?.[medinsId];
    ws.addRow([name ? `定点医疗机构：${name}（${medinsId}）` : `机构编码：${medinsId}`, '', `生成时间：${s.generated_at}`]);
    ws.addRow([]);
    ws.addRow(['项目', '笔数', '医疗费总额(元)', '统筹基金(元)', '大病保险(元)', '基金支付合计(元)']).font = { bold: true };
    ws.addRow(['本月结算', s.settled.count, formatYuan(s.settled.medfee_fen), formatYuan(s.settled.hifp_fen), formatYuan(s.settled.hifmi_fen), formatYuan(s.settled.fund_pay_fen)]);
    ws.addRow(['本月冲销', s.reversed.count, formatYuan(-s.reversed.medfee_fen), formatYuan(-s.reversed.hifp_fen), formatYuan(-s.reversed.hifmi_fen), formatYuan(-s.reversed.fund_pay_fen)]);
    ws.addRow(['基金应付小计', '', '', '', '', formatYuan(s.gross_fund_fen)]);
    ws.addRow(['减：审核扣款（终审确认）', s.deductions.length, '', '', '', formatYuan(-s.deductions_fen)]);
    for (const d of s.deductions) ws.addRow([`    审核单 ${d.case_id}（${d.month}）`, '', '', '', '', formatYuan(-d.deduction_fen)]);
    ws.addRow(['减：罚款', s.fines.length, '', '', '', formatYuan(-s.fines_fen)]);
    for (const d of s.fines) ws.addRow([`    审核单 ${d.case_id}：${d.basis}`, '', '', '', '', formatYuan(-d.fine_fen)]);
    ws.addRow(['本月应拨付金额', '', '', '', '', formatYuan(s.payable_fen)]).font = { bold: true };
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  private replay(r: SettlementRow, requestHash: string, key: string): SettlementView {
    if (r.request_hash !== requestHash) throw new FundGuardError('E_CONFLICT', `idempotency_key ${key} was used for another request (setl_id ${r.setl_id})`);
    return view(r, true);
  }

  /** The encounter to settle, within the caller's scope: a stored one of another institution answers like a missing one. */
  private async loadEncounter(actor: Actor, req: SettleRequest): Promise<{ encounter: Encounter; poolarea: string }> {
    if (req.mdtrt_id !== undefined && req.encounter !== undefined) throw new FundGuardError('E_INPUT_INVALID', 'give mdtrt_id (a stored encounter) or encounter, not both');
    if (typeof req.mdtrt_id === 'string' && req.mdtrt_id) {
      const pe = await this.encounterById.load(req.mdtrt_id);
      if (!pe) throw new FundGuardError('E_NOT_FOUND', `no stored encounter ${req.mdtrt_id}`);
      requireInScope(actor, pe.encounter, `no stored encounter ${req.mdtrt_id}`);
      return { encounter: pe.encounter, poolarea: pe.patient.poolarea };
    }
    if (req.encounter === undefined) throw new FundGuardError('E_INPUT_INVALID', 'mdtrt_id or encounter is required', [{ field: 'mdtrt_id', reason: 'required (or encounter)' }]);
    const n = normaliseImportEncounter(req.encounter);
    if (!n.value) throw new FundGuardError('E_INPUT_INVALID', `encounter: ${n.errors.slice(0, 3).map((i) => `${i.field}: ${i.reason}`).join('; ')}`, n.errors.map((i) => ({ ...i, field: `encounter.${i.field}` })));
    const encounter = n.value.encounter;
    const record = `mdtrt_id=${encounter.mdtrt_id}`;
    const bound = boundInstitution(actor);
    if (bound !== null && encounter.medins_id !== bound) {
      throw new FundGuardError('E_FORBIDDEN', `${record}: medins_id ${encounter.medins_id} is not the caller's institution`, [{ record, field: 'encounter.medins_id', value: encounter.medins_id, reason: 'not the caller\'s institution' }]);
    }
    // An inline encounter may not take the id of a stored encounter of another institution.
    const stored = await this.encounterById.load(encounter.mdtrt_id);
    if (stored && stored.encounter.medins_id !== encounter.medins_id) {
      throw new FundGuardError('E_CONFLICT', `${record}: 该就诊ID已被其他机构的就诊使用`, [{ record, field: 'encounter.mdtrt_id', value: encounter.mdtrt_id, reason: 'stored for another institution' }]);
    }
    return { encounter, poolarea: n.value.patient.poolarea };
  }
}

export interface InstitutionStatement {
  medins_id: string;
  month: string;
  generated_at: string;
  settled: { count: number; medfee_fen: number; hifp_fen: number; hifmi_fen: number; fund_pay_fen: number; psn_part_fen: number };
  reversed: { count: number; medfee_fen: number; hifp_fen: number; hifmi_fen: number; fund_pay_fen: number; psn_part_fen: number };
  deductions: { case_id: string; month: string; deduction_fen: number; final_at: string }[];
  fines: { case_id: string; kind: string; fine_fen: number; basis: string; at: string }[];
  gross_fund_fen: number;
  deductions_fen: number;
  fines_fen: number;
  payable_fen: number;
}

const yuanAccumulators = (a: Accumulators) => ({ admissions: a.admissions, deductible_met: fenToYuan(a.deductible_met), fund_paid: fenToYuan(a.fund_paid), catastrophic_base: fenToYuan(a.catastrophic_base), catastrophic_paid: fenToYuan(a.catastrophic_paid) });

/** The stored form of an idempotency key: the caller's id and the key, so that keys never collide across callers. */
const keyOf = (actor: Actor, key: string) => `${actor.id}\u001f${key}`;

function checkKey(v: unknown, field: string): string {
  if (typeof v !== 'string' || !KEY_RE.test(v)) throw new FundGuardError('E_INPUT_INVALID', `${field}: 1–128 printable ASCII characters, required`, [{ field, value: v, reason: '1–128 printable ASCII characters' }]);
  return v;
}

/** Each sheet of the workbook is one set: column A the parameter path (字段), column B its value (值), column C free (说明); a header row and a sheet named 说明 are skipped. */
async function policySheets(content: Buffer, name: string): Promise<Record<string, unknown>[]> {
  checkXlsx(content, name);
  const ExcelJS = await loadExcel();
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(content as unknown as ArrayBuffer);
  } catch (e) {
    throw new FundGuardError('E_INPUT_INVALID', `${name}: not an XLSX workbook (${(e as Error).message})`);
  }
  const out: Record<string, unknown>[] = [];
  wb.eachSheet((ws) => {
    if (/^(说明|readme)$/i.test(ws.name.trim())) return; // the template's explanation sheet (imports/templates.ts)
    const rows: { line: number; field: string; value: unknown }[] = [];
    ws.eachRow((row, line) => {
      const a = row.getCell(1).value;
      const b = row.getCell(2).value;
      const field = a === null || a === undefined ? '' : String(a).trim();
      if (!field || (line === 1 && /^(字段|field|参数)/i.test(field))) return;
      rows.push({ line, field, value: b instanceof Date ? b.toISOString().slice(0, 10) : (b as { result?: unknown })?.result ?? b });
    });
    if (rows.length) out.push(policyFromSheetRows(rows, `${name}:${ws.name}`));
  });
  if (!out.length) throw new FundGuardError('E_INPUT_INVALID', `${name}: no sheet with parameters (column A 字段, column B 值)`);
  return out;
}

