import {
  AdmissionFrequencyScreen, afterDeath, drugHoarding, FundGuardError, leadAtEdge, overlappingCare, parseScreenParams, PeerOutlierScreen, screenInstitution, type Lead, type ScreenParams,
} from '@fundguard/core';
import { ScreeningRepo, type ScreeningRunRow, type ScreenScope } from '@fundguard/store';
import type { WorkQueue } from '../distributed/work-queue.ts';
import { requirePermission, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';
import { executorGone } from '../run-lease.ts';
import { screeningStallWarningSql } from '../batch/stall.ts';
import { sql } from 'drizzle-orm';

/** A screening run as answered: with `warning` when a distributed run seems stuck. */
export type ScreeningRunView = ScreeningRunRow & { warning: string | null };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Screening jobs (screening.md): the six screens over stored encounters of a period, institution by institution
 * (summaries computed in the database), with progress. A run is all-or-nothing: its leads are written in one
 * transaction when the last institution is done; a run that fails or is interrupted is marked failed and is simply
 * started again (screens are deterministic, so the new run gives the same leads).
 */
export class ScreeningService {
  readonly repo: ScreeningRepo;
  private readonly running = new Map<number, Promise<ScreeningRunRow>>();
  /** told once when a distributed run stops progressing (the server logs it) */
  onWarning: (runId: number, warning: string) => void = () => undefined;

  /** With a work queue, institutions go to `fundguard worker` processes and this process merges their parts. */
  constructor(private readonly ctx: ServiceContext, readonly work: WorkQueue | null = null) {
    this.repo = new ScreeningRepo(ctx.database);
  }

  /** The region's parameters over screening.md's defaults. */
  async params(actor: Actor, region: string): Promise<ScreenParams> {
    requirePermission(actor, 'screening.read');
    return parseScreenParams(await this.repo.params(region));
  }

  async setParams(actor: Actor, region: string, raw: unknown): Promise<ScreenParams> {
    requirePermission(actor, 'screening.params');
    let parsed: ScreenParams;
    try {
      parsed = parseScreenParams(raw);
    } catch (e) {
      throw new FundGuardError('E_INPUT_INVALID', (e as Error).message, ((e as { problems?: string[] }).problems ?? []).map((p) => ({ field: p.split(':')[0], reason: p.split(': ').slice(1).join(': ') })));
    }
    const at = this.ctx.nowIso();
    await this.ctx.database.transaction(async (tx) => {
      await this.repo.setParams(tx, region, raw, actor.id, at);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'screening.params', entityType: 'screen_params', entityId: region, at, detail: { params: raw as Record<string, unknown> } }]);
    });
    return parsed;
  }

  /** Starts a run in the background; `done(id)` resolves when it ends. */
  async start(actor: Actor, scope: ScreenScope & { params?: unknown }): Promise<ScreeningRunRow> {
    requirePermission(actor, 'screening.run');
    if (!DAY.test(scope.from ?? '') || !DAY.test(scope.to ?? '') || scope.to <= scope.from) {
      throw new FundGuardError('E_INPUT_INVALID', 'from and to: YYYY-MM-DD, to after from', [{ field: 'from', value: scope.from, reason: 'YYYY-MM-DD' }, { field: 'to', value: scope.to, reason: 'YYYY-MM-DD after from' }]);
    }
    const regional = scope.region ? await this.repo.params(scope.region) : null;
    let params: ScreenParams;
    try {
      params = parseScreenParams(scope.params ?? regional);
    } catch (e) {
      throw new FundGuardError('E_INPUT_INVALID', (e as Error).message);
    }
    const clean: ScreenScope = { from: scope.from, to: scope.to, ...(scope.region ? { region: scope.region } : {}), ...(scope.medins_id ? { medins_id: scope.medins_id } : {}) };
    const institutions = await this.repo.institutions(clean);
    const run = await this.repo.createRun({ ...clean, screens: params }, actor.id, this.ctx.nowIso(), institutions.length, this.ctx.executorId);
    await this.ctx.auditLog.appendNow([{ actor: actor.id, action: 'screening.start', entityType: 'screening_run', entityId: String(run.id), at: this.ctx.nowIso(), detail: { ...clean } }]);
    const ids = institutions.map((i) => i.medins_id);
    const p = (this.work ? this.distribute(run.id, ids) : this.execute(run.id, clean, params, ids)).finally(() => this.running.delete(run.id));
    this.running.set(run.id, p);
    p.catch(() => undefined);
    return run;
  }

  async done(id: number): Promise<ScreeningRunRow> {
    await this.running.get(id);
    const r = await this.repo.run(id);
    if (!r) throw new FundGuardError('E_NOT_FOUND', `no screening run ${id}`);
    return r;
  }

  /**
   * Runs whose executing (or, with workers, coordinating) process is gone are failed: a run is all-or-nothing and
   * deterministic, so it is simply started again. Called at start-up and then periodically (run-lease.ts).
   */
  async failInterrupted(): Promise<number> {
    const now = this.ctx.clock().getTime();
    const stale = (await this.repo.runningLeases()).filter((r) => !this.running.has(r.id) && executorGone(r, this.ctx.executorId, now));
    for (const r of stale) await this.repo.fail(r.id, 'interrupted: the process running it stopped; start the run again', this.ctx.nowIso());
    return stale.length;
  }

  private async execute(id: number, scope: ScreenScope, params: ScreenParams, institutions: readonly string[]): Promise<ScreeningRunRow> {
    try {
      const leads = await screenStoredEncounters(this.repo, scope, params, institutions, (done, encounters) => this.repo.progress(id, done, encounters, this.ctx.nowIso()));
      await this.repo.finish(id, leads, this.ctx.nowIso());
    } catch (e) {
      await this.repo.fail(id, (e as Error).message, this.ctx.nowIso());
    }
    return (await this.repo.run(id))!;
  }

  /**
   * Distributed run: one task per institution; workers write each institution's leads and its share of the
   * patient and peer screens as a part; when every part is in, they are merged here, in institution order, into
   * exactly the leads the in-process path gives.
   */
  private async distribute(id: number, institutions: readonly string[]): Promise<ScreeningRunRow> {
    try {
      const run = (await this.repo.run(id))!;
      const params = parseScreenParams((run.params as { screens?: unknown }).screens);
      await this.work!.publish(institutions.map((medins_id) => ({ kind: 'screen' as const, run_id: id, medins_id })));
      let warned = false;
      for (;;) {
        const now = await this.repo.run(id);
        if (!now || now.status !== 'running') return now!;
        const done = await this.repo.partsDone(id);
        await this.repo.progress(id, done.parts, done.encounters, this.ctx.nowIso());
        if (done.parts >= institutions.length) break;
        const warning = (await this.withWarnings([now]))[0].warning;
        if (warning && !warned) this.onWarning(id, warning);
        warned = !!warning;
        await new Promise((r) => setTimeout(r, 250));
      }
      const freq = new AdmissionFrequencyScreen(params.admission_frequency);
      const peers = new PeerOutlierScreen(params.peer_outlier);
      const leads: Lead[] = [];
      for (const part of await this.repo.parts(id)) {
        leads.push(...part.leads);
        freq.merge(part.admissions);
        peers.merge(part.peers);
      }
      leads.push(...freq.finish(), ...peers.finish(), ...await screenPatientsAcrossInstitutions(this.repo, scopeOf(run), params));
      await this.repo.finish(id, leads, this.ctx.nowIso());
    } catch (e) {
      await this.repo.fail(id, (e as Error).message, this.ctx.nowIso());
    }
    return (await this.repo.run(id))!;
  }

  /** A worker's share of a distributed run: one institution's screens and its part of the cross-institution ones. */
  async screenPart(runId: number, medinsId: string, worker: string): Promise<void> {
    const run = await this.repo.run(runId);
    if (!run || run.status !== 'running') return;
    const scope = run.params as unknown as ScreenScope & { screens: unknown };
    const params = parseScreenParams(scope.screens);
    const summaries = await this.repo.summaries({ from: scope.from, to: scope.to, region: scope.region, medins_id: scope.medins_id }, medinsId, params.ghost_bed.bed_code_prefixes);
    const freq = new AdmissionFrequencyScreen(params.admission_frequency);
    const peers = new PeerOutlierScreen(params.peer_outlier);
    for (const e of summaries) {
      freq.add(e);
      peers.add(e);
    }
    await this.repo.savePart({ run_id: runId, medins_id: medinsId, encounters: summaries.length, leads: screenInstitution(summaries, params), admissions: freq.state(), peers: peers.state(), worker, at: this.ctx.nowIso() });
  }

  async run(actor: Actor, id: number): Promise<ScreeningRunView> {
    requirePermission(actor, 'screening.read');
    const r = await this.repo.run(id);
    if (!r) throw new FundGuardError('E_NOT_FOUND', `no screening run ${id}`);
    return (await this.withWarnings([r]))[0];
  }

  async runs(actor: Actor): Promise<ScreeningRunView[]> {
    requirePermission(actor, 'screening.read');
    return this.withWarnings(await this.repo.runs());
  }

  /** Each run with `warning`: why a distributed run seems stuck (no part written for the configured time), or null. */
  private async withWarnings(rows: ScreeningRunRow[]): Promise<ScreeningRunView[]> {
    const running = rows.filter((r) => r.status === 'running').map((r) => r.id);
    if (!this.work || running.length === 0) return rows.map((r) => ({ ...r, warning: null }));
    const found = await this.ctx.database.rows<{ id: number; warning: string | null }>(sql`
      select r.id, ${screeningStallWarningSql(this.ctx.clock())} as warning from screening_runs r where r.id in ${sql.raw(`(${running.map(Number).join(',')})`)}`);
    const byId = new Map(found.map((f) => [Number(f.id), f.warning]));
    return rows.map((r) => ({ ...r, warning: byId.get(r.id) ?? null }));
  }

  /** A page of a run's leads as the API and the CLI show them: amounts in yuan (screening.md). */
  async leads(actor: Actor, q: Parameters<ScreeningRepo['leads']>[0]) {
    requirePermission(actor, 'screening.read');
    const page = await this.repo.leads(q);
    return { total: page.total, items: page.items.map((l) => leadAtEdge(l)) };
  }
}

/**
 * The screens over stored encounters: institution by institution (the partitioned screens), accumulating the
 * patient and peer screens, which finish after the last institution. Shared by in-process runs and benchmarks.
 */
export async function screenStoredEncounters(
  repo: ScreeningRepo, scope: ScreenScope, params: ScreenParams, institutions: readonly string[],
  onProgress?: (doneInstitutions: number, encounters: number) => Promise<void> | void,
): Promise<Lead[]> {
  const freq = new AdmissionFrequencyScreen(params.admission_frequency);
  const peers = new PeerOutlierScreen(params.peer_outlier);
  const out: Lead[] = [];
  let encounters = 0;
  let done = 0;
  // Fetch the next institution while screening this one: the database and the screens overlap.
  let next = institutions.length ? repo.summaries(scope, institutions[0], params.ghost_bed.bed_code_prefixes) : null;
  for (let i = 0; i < institutions.length; i++) {
    const summaries = await next!;
    next = i + 1 < institutions.length ? repo.summaries(scope, institutions[i + 1], params.ghost_bed.bed_code_prefixes) : null;
    out.push(...screenInstitution(summaries, params));
    for (const e of summaries) {
      freq.add(e);
      peers.add(e);
    }
    encounters += summaries.length;
    await onProgress?.(++done, encounters);
  }
  out.push(...freq.finish(), ...peers.finish(), ...await screenPatientsAcrossInstitutions(repo, scope, params));
  return out;
}

/** The run's scope as stored in its params. */
const scopeOf = (run: ScreeningRunRow): ScreenScope => {
  const p = run.params as unknown as ScreenScope;
  return { from: p.from, to: p.to, ...(p.region ? { region: p.region } : {}), ...(p.medins_id ? { medins_id: p.medins_id } : {}) };
};

/**
 * The screens over one person's care across institutions and lists (OVERLAPPING_CARE, AFTER_DEATH, DRUG_HOARDING): candidates
 * selected set-based once per run, judged in core. The same call ends in-process and distributed runs, so both give the same leads.
 */
async function screenPatientsAcrossInstitutions(repo: ScreeningRepo, scope: ScreenScope, params: ScreenParams): Promise<Lead[]> {
  const dead = await repo.afterDeathCandidates(scope, params.after_death.list);
  const h = params.drug_hoarding;
  return [
    ...overlappingCare(await repo.careOverlapCandidates(scope)),
    ...afterDeath(dead.deaths, dead.encounters),
    ...drugHoarding(await repo.drugPurchaseCandidates(scope, h.institutions, h.supply_base + h.supply_margin), h),
  ];
}
