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
  /** progress of the part loaded in the background: percent done and what is being loaded */
  onProgress?: (percent: number, what: string) => void;
}

/** Encounters per transaction: each is a short hold of the (embedded, single-connection) database, so sign-in and
 * health checks get their turn while the demo loads. */
const DEMO_BATCH = 100;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * First start with FUNDGUARD_DEMO=1 on an empty database: the generated catalogue, every shipped rule pack (active),
 * ~20 000 generated encounters of 2024, demo users (password `fundguard-demo`), then a batch audit of 2024 whose
 * findings become cases. Waits until everything is loaded (tests); the server uses startDemoIfEmpty.
 */
export async function loadDemoIfEmpty(fg: FundGuard, opts: DemoOptions = {}): Promise<boolean> {
  const started = await startDemoIfEmpty(fg, opts);
  if (!started) return false;
  await started.done;
  return true;
}

/**
 * The demo load in the order a newcomer needs it: the catalogue and the users first (sign-in works at once), then in
 * the background, in short transactions that leave the database and the event loop to requests in between, the
 * packs, policies and encounters, with progress (`onProgress`, and the log every 10 %). Returns null when the
 * database is not empty, else once the users exist, with `done` settling when everything is loaded.
 */
export async function startDemoIfEmpty(fg: FundGuard, opts: DemoOptions = {}): Promise<{ done: Promise<void> } | null> {
  const log = opts.log ?? (() => undefined);
  if ((await fg.ctx.encounters.count()) > 0 || (await fg.ctx.catalogue.count()) > 0) return null;
  const t0 = Date.now();
  await fg.database.transaction(async (tx) => {
    await fg.ctx.catalogue.upsertMany(tx, generatedCatalogue(), null);
    await fg.ctx.auditLog.append(tx, [{ actor: 'demo', action: 'demo.catalogue', entityType: 'catalogue', entityId: 'demo', at: fg.ctx.nowIso(), detail: {} }]);
  });
  const n = opts.encounters ?? 20_000;
  // The users' institution and patient come from the first generated encounter (generation is seeded: always the same).
  const encounters = generate({ encounters: n, seed: 'demo', from: '2024-01-01', to: '2025-01-01' })[Symbol.iterator]();
  const head = encounters.next();
  const sample: PatientEncounter | null = head.done ? null : head.value.record;
  const users = [
    // 系统管理 (users, roles, keys, the audit log) in the console needs a person with the admin role, not only the admin key
    { username: 'admin', role: 'admin' as const, displayName: '系统管理员 马骏' },
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
    // 科室初审: a reviewer of a department of the same hospital. Once the demo audit has run, both hospital users move to
    // the institution and department with the most 可疑 findings (when the first encounter's has none), so that the
    // whole chain — department, 医保办, agency — can be walked on the demo cases.
    { username: 'hospital_dept', role: 'hospital' as const, displayName: '科室审核员 马丽', institutionId: sample?.encounter.medins_id ?? 'H61010000001', deptCodg: sample?.encounter.adm_dept_codg || null },
    { username: 'insured', role: 'insured' as const, displayName: '参保人', patnId: sample?.patient.patn_id ?? '' },
  ];
  for (const u of users) await fg.keys.createUser(SYSTEM_ACTOR, { ...u, password: DEMO_PASSWORD });
  log('demo users ready (sign in now; the demo data loads in the background)', { users: users.map((u) => u.username), ms: Date.now() - t0 });
  const first = head.done ? [] : [head.value.record];
  const done = loadDemoRest(fg, opts, { n, encounters, first, sample, t0 });
  return { done };
}

async function loadDemoRest(
  fg: FundGuard,
  opts: DemoOptions,
  g: { n: number; encounters: Iterator<{ record: PatientEncounter }>; first: PatientEncounter[]; sample: PatientEncounter | null; t0: number },
): Promise<void> {
  const log = opts.log ?? (() => undefined);
  let lastLogged = -10;
  const progress = (percent: number, what: string) => {
    const p = Math.min(100, Math.floor(percent));
    opts.onProgress?.(p, what);
    if (p >= lastLogged + 10 || p === 100) {
      lastLogged = p - (p % 10);
      log('demo data loading', { percent: p, what });
    }
  };
  const actor = { ...SYSTEM_ACTOR, id: 'demo' };
  progress(0, 'rule packs');
  await fg.rules.reload();
  for (const dir of readdirSync(RULES_DIR).sort()) {
    const file = join(RULES_DIR, dir, 'pack.json');
    if (!existsSync(file)) continue;
    await fg.packs.upload(actor, JSON.parse(readFileSync(file, 'utf8')), { activate: true });
  }
  progress(3, 'policies');
  const policies = readdirSync(POLICIES_DIR).filter((d) => /^\d{6}$/.test(d)).sort()
    .flatMap((d) => readdirSync(join(POLICIES_DIR, d)).sort().map((f) => JSON.parse(readFileSync(join(POLICIES_DIR, d, f), 'utf8')) as unknown));
  await fg.settlements.importPolicySets(actor, policies, 'policies/');
  progress(5, 'encounters');
  let stored = 0;
  let batch = g.first;
  const flush = async () => {
    if (!batch.length) return;
    const items = batch;
    batch = [];
    await fg.database.transaction((tx) => fg.ctx.encounters.replaceMany(tx, items, { importId: null, source: 'demo' }));
    stored += items.length;
    progress(5 + (90 * stored) / g.n, `encounters ${stored}/${g.n}`);
    await yieldToEventLoop();
  };
  for (let r = g.encounters.next(); !r.done; r = g.encounters.next()) {
    batch.push(r.value.record);
    if (batch.length >= DEMO_BATCH) await flush();
  }
  await flush();
  await fg.database.transaction((tx) =>
    fg.ctx.auditLog.append(tx, [{ actor: 'demo', action: 'demo.encounters', entityType: 'encounters', entityId: 'demo', at: fg.ctx.nowIso(), detail: { encounters: g.n } }]));
  progress(97, 'statistics');
  await fg.ctx.encounters.refreshStatistics();
  progress(100, 'done');
  log('demo data loaded', { encounters: g.n, packs: fg.rules.snapshot().versions.length, ms: Date.now() - g.t0 }); // never the password: logs travel further than the console
  if (opts.audit !== false) {
    const run = await fg.runs.start(actor, { from: '2024-01-01', to: '2025-01-01' });
    log('demo batch audit started', { run: run.id, chunks: run.total_chunks });
    const sample = g.sample;
    void waitAndOpen(fg, run.id, log).then(() => settleDemo(fg, sample, log));
  }
}

async function waitAndOpen(fg: FundGuard, runId: number, log: NonNullable<DemoOptions['log']>): Promise<void> {
  try {
    const s = await fg.runs.done(runId);
    if (s.status !== 'done') return;
    await bindDemoHospital(fg, runId);
    const cases = await fg.cases.openFromRun({ id: 'demo', role: 'admin' }, runId);
    log('demo batch audit done', { run: runId, findings: s.findings, cases: cases.length });
  } catch (e) {
    log('demo batch audit failed', { run: runId, error: (e as Error).message });
  }
}

/**
 * Before the demo run's findings become cases: the demo hospital is the first encounter's institution when it has 可疑
 * findings, else the one with the most; its department reviewer reviews for its department with the most 可疑 findings.
 * Both hospital users (and any session of theirs) move with it.
 */
async function bindDemoHospital(fg: FundGuard, runId: number): Promise<void> {
  const [u] = await fg.database.rows<{ institution_id: string | null; dept_codg: string | null }>(sql`select institution_id, dept_codg from users where username = 'hospital_dept'`);
  if (!u?.institution_id) return;
  const [top] = await fg.database.rows<{ medins_id: string; dept_codg: string }>(sql`
    select medins_id, dept_codg from findings where run_id = ${runId} and severity = 'suspicious' and dept_codg <> ''
    group by medins_id, dept_codg order by (medins_id = ${u.institution_id}) desc, count(*) desc, medins_id, dept_codg limit 1`);
  if (!top || (top.medins_id === u.institution_id && top.dept_codg === u.dept_codg)) return;
  await fg.database.transaction(async (tx) => {
    await fg.database.rows(sql`update users set institution_id = ${top.medins_id} where username in ('hospital', 'hospital_dept')`, tx);
    await fg.database.rows(sql`update users set dept_codg = ${top.dept_codg} where username = 'hospital_dept'`, tx);
    await fg.database.rows(sql`update api_keys set institution_id = ${top.medins_id} where user_id in (select id from users where username in ('hospital', 'hospital_dept'))`, tx);
    await fg.ctx.auditLog.append(tx, [{
      actor: 'demo', action: 'user.bind_department', entityType: 'user', entityId: 'hospital_dept', at: fg.ctx.nowIso(),
      detail: { institution_id: top.medins_id, dept_codg: top.dept_codg, was: { institution_id: u.institution_id, dept_codg: u.dept_codg } },
    }]);
  });
  fg.keys.forgetCached();
  await fg.ctx.changes.publish({ kind: 'keys' }); // every process forgets sessions that carried the old institution
}

/** Settles the demo hospital's and the demo insured person's encounters, so statements and the insured view have data. */
async function settleDemo(fg: FundGuard, sample: PatientEncounter | null, log: NonNullable<DemoOptions['log']>): Promise<void> {
  if (!sample) return;
  const [h] = await fg.database.rows<{ institution_id: string | null }>(sql`select institution_id from users where username = 'hospital'`);
  const hospital = h?.institution_id ?? sample.encounter.medins_id;
  const ids = await fg.database.rows<{ mdtrt_id: string }>(sql`select mdtrt_id from encounters
    where medins_id = ${hospital} or patn_id = ${sample.patient.patn_id} order by adm_date, mdtrt_id limit 2000`);
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
