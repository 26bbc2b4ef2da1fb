import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { generate, generatedCatalogue, type PatientEncounter } from '@fundguard/core';
import type { FundGuard } from './fundguard.ts';
import { SYSTEM_ACTOR } from './auth/roles.ts';

export const RULES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'rules');
export const POLICIES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'policies');
import { DEMO_PASSWORD } from './auth/password-policy.ts';

export interface DemoOptions {
  encounters?: number;
  log?: (msg: string, data?: Record<string, unknown>) => void;
  /** start the demo batch audit (and open cases when it finishes) */
  audit?: boolean;
}

/**
 * First start with FUNDGUARD_DEMO=1 on an empty database: the generated catalogue, every shipped rule pack (active),
 * ~20 000 generated encounters of 2024, demo users (password `fundguard-demo`), then a batch audit of 2024 whose
 * findings become cases. Loading is one transaction per part; the audit runs in the background with progress.
 */
export async function loadDemoIfEmpty(fg: FundGuard, opts: DemoOptions = {}): Promise<boolean> {
  const log = opts.log ?? (() => undefined);
  if ((await fg.ctx.encounters.count()) > 0 || (await fg.ctx.catalogue.count()) > 0) return false;
  const t0 = Date.now();
  const actor = { ...SYSTEM_ACTOR, id: 'demo' };
  await fg.database.transaction(async (tx) => {
    await fg.ctx.catalogue.upsertMany(tx, generatedCatalogue(), null);
    await fg.ctx.auditLog.append(tx, [{ actor: 'demo', action: 'demo.catalogue', entityType: 'catalogue', entityId: 'demo', at: fg.ctx.nowIso(), detail: {} }]);
  });
  await fg.rules.reload();
  for (const dir of readdirSync(RULES_DIR).sort()) {
    const file = join(RULES_DIR, dir, 'pack.json');
    if (!existsSync(file)) continue;
    await fg.packs.upload(actor, JSON.parse(readFileSync(file, 'utf8')), { activate: true });
  }
  const policies = readdirSync(POLICIES_DIR).filter((d) => /^\d{6}$/.test(d)).sort()
    .flatMap((d) => readdirSync(join(POLICIES_DIR, d)).sort().map((f) => JSON.parse(readFileSync(join(POLICIES_DIR, d, f), 'utf8')) as unknown));
  await fg.settlements.importPolicySets(actor, policies, 'policies/');
  const n = opts.encounters ?? 20_000;
  await fg.database.transaction(async (tx) => {
    let batch: PatientEncounter[] = [];
    for (const g of generate({ encounters: n, seed: 'demo', from: '2024-01-01', to: '2025-01-01' })) {
      batch.push(g.record);
      if (batch.length >= 2000) {
        await fg.ctx.encounters.replaceMany(tx, batch, { importId: null, source: 'demo' });
        batch = [];
      }
    }
    await fg.ctx.encounters.replaceMany(tx, batch, { importId: null, source: 'demo' });
    await fg.ctx.auditLog.append(tx, [{ actor: 'demo', action: 'demo.encounters', entityType: 'encounters', entityId: 'demo', at: fg.ctx.nowIso(), detail: { encounters: n } }]);
  });
  await fg.ctx.encounters.refreshStatistics();
  const first = await fg.database.rows<{ mdtrt_id: string }>(sql`select mdtrt_id from encounters order by mdtrt_id limit 1`);
  const sample = first[0] ? await fg.ctx.encounters.get(first[0].mdtrt_id) : null;
  const users = [
    { username: 'auditor', role: 'auditor' as const, displayName: '审核员 张敏' },
    { username: 'auditor2', role: 'auditor' as const, displayName: '审核员 李强' },
    { username: 'auditor3', role: 'auditor' as const, displayName: '审核员 赵磊' },
    { username: 'supervisor', role: 'supervisor' as const, displayName: '稽核科 王芳' },
    { username: 'supervisor2', role: 'supervisor' as const, displayName: '稽核科 孙丽' },
    // 专家组 (panel of 3, 004): reviewers who never take part in the levels, so a disputed appeal always has a panel
    { username: 'expert1', role: 'auditor' as const, displayName: '专家 周医生' },
    { username: 'expert2', role: 'auditor' as const, displayName: '专家 吴药师' },
    { username: 'expert3', role: 'auditor' as const, displayName: '专家 郑主任' },
    { username: 'ruleadmin', role: 'rule_admin' as const, displayName: '规则管理员 陈杰' },
    { username: 'hospital', role: 'hospital' as const, displayName: '医保办 刘洋', institutionId: sample?.encounter.medins_id ?? 'H61010000001' },
    { username: 'insured', role: 'insured' as const, displayName: '参保人', patnId: sample?.patient.patn_id ?? '' },
  ];
  for (const u of users) await fg.keys.createUser(SYSTEM_ACTOR, { ...u, password: DEMO_PASSWORD });
  log('demo data loaded', { encounters: n, packs: fg.rules.snapshot().versions.length, ms: Date.now() - t0, users: users.map((u) => u.username) }); // never the password: logs travel further than the console
  if (opts.audit !== false) {
    const run = await fg.runs.start(actor, { from: '2024-01-01', to: '2025-01-01' });
    log('demo batch audit started', { run: run.id, chunks: run.total_chunks });
    void waitAndOpen(fg, run.id, log).then(() => settleDemo(fg, sample, log));
  }
  return true;
}

async function waitAndOpen(fg: FundGuard, runId: number, log: NonNullable<DemoOptions['log']>): Promise<void> {
  try {
    const s = await fg.runs.done(runId);
    if (s.status !== 'done') return;
    const cases = await fg.cases.openFromRun({ id: 'demo', role: 'admin' }, runId);
    log('demo batch audit done', { run: runId, findings: s.findings, cases: cases.length });
  } catch (e) {
    log('demo batch audit failed', { run: runId, error: (e as Error).message });
  }
}

/** Settles the demo hospital's and the demo insured person's encounters, so statements and the insured view have data. */
async function settleDemo(fg: FundGuard, sample: PatientEncounter | null, log: NonNullable<DemoOptions['log']>): Promise<void> {
  if (!sample) return;
  const ids = await fg.database.rows<{ mdtrt_id: string }>(sql`select mdtrt_id from encounters
    where medins_id = ${sample.encounter.medins_id} or patn_id = ${sample.patient.patn_id} order by adm_date, mdtrt_id limit 2000`);
  let settled = 0;
  let skipped = 0;
  for (const { mdtrt_id } of ids) {
    try {
      await fg.settlements.settle({ id: 'demo', role: 'admin' }, { idempotency_key: `demo-${mdtrt_id}`, mdtrt_id });
      settled++;
    } catch (e) {
      // E_NOT_FOUND: no demo policy set for that insutype and scenario (e.g. resident outpatient); anything else is told
      if ((e as { code?: string }).code !== 'E_NOT_FOUND') log('demo settlement failed', { mdtrt_id, error: (e as Error).message });
      skipped++;
    }
  }
  log('demo settlements done', { settled, skipped });
}
