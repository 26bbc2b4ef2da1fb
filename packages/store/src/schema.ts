/**
 * The storage schema (drizzle). One migration set serves PGlite and PostgreSQL.
 * Conventions: money is bigint fen (`*_fen` where the national name would hide the unit); dates are `date`
 * and timestamps `timestamp` without zone (national data is local time); open effective ranges use the
 * sentinels 0001-01-01 / 9999-12-31 so that "in force on day D" is one index range check.
 */
import { sql } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex,
} from 'drizzle-orm/pg-core';

const fen = (name: string) => bigint(name, { mode: 'number' });
const day = (name: string) => date(name, { mode: 'string' });
const ts = (name: string) => timestamp(name, { mode: 'string' });
const tsz = (name: string) => timestamp(name, { mode: 'string', withTimezone: true });
export const OPEN_FROM = '0001-01-01';
export const OPEN_TO = '9999-12-31';

// ---- reference data -------------------------------------------------------------------------------

export const catalogueEntries = pgTable('catalogue_entries', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  hilistCode: text('hilist_code').notNull(),
  hilistName: text('hilist_name').notNull(),
  hilistType: text('hilist_type').notNull(),
  hilistLv: text('hilist_lv').notNull(),
  selfpayProp: doublePrecision('selfpay_prop'),
  priceCapFen: fen('price_cap_fen'),
  unit: text('unit').notNull().default(''),
  limitText: text('limit_text').notNull().default(''),
  groupCodes: text('group_codes').array().notNull().default(sql`'{}'::text[]`),
  region: text('region').notNull().default('*'),
  effectiveFrom: day('effective_from').notNull().default(OPEN_FROM),
  effectiveTo: day('effective_to').notNull().default(OPEN_TO),
  importId: bigint('import_id', { mode: 'number' }),
  updatedAt: tsz('updated_at').notNull().defaultNow(),
}, (t) => [
  // Also serves "in force on day D" lookups: code equality, then a short range over a code's few versions.
  uniqueIndex('catalogue_key').on(t.hilistCode, t.region, t.effectiveFrom),
]);

/** Named code sets (e.g. GINKGO_INJ) from catalogue `group_codes`; rule packs merge them into their groups. */
export const codeGroups = pgTable('code_groups', {
  groupName: text('group_name').notNull(),
  hilistCode: text('hilist_code').notNull(),
  region: text('region').notNull().default('*'),
}, (t) => [primaryKey({ columns: [t.groupName, t.hilistCode, t.region] }), index('code_groups_code').on(t.hilistCode)]);

/** 名单: blacklist / suspended / watch, with history (rows are never updated in place, only ended). */
export const listEntries = pgTable('list_entries', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  list: text('list').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectCode: text('subject_code').notNull(),
  reason: text('reason').notNull().default(''),
  effectiveFrom: day('effective_from').notNull().default(OPEN_FROM),
  effectiveTo: day('effective_to').notNull().default(OPEN_TO),
  source: text('source').notNull().default('import'),
  createdBy: text('created_by').notNull().default(''),
  createdAt: tsz('created_at').notNull().defaultNow(),
}, (t) => [
  index('list_subject').on(t.subjectType, t.subjectCode, t.effectiveFrom),
  uniqueIndex('list_key').on(t.list, t.subjectType, t.subjectCode, t.effectiveFrom),
]);

// ---- claims ------------------------------------------------------------------------------------------

export const patients = pgTable('patients', {
  patnId: text('patn_id').primaryKey(),
  patnName: text('patn_name').notNull().default(''),
  gend: text('gend').notNull().default(''),
  brdy: day('brdy'),
  poolarea: text('poolarea').notNull().default(''),
  updatedAt: tsz('updated_at').notNull().defaultNow(),
});

export const encounters = pgTable('encounters', {
  mdtrtId: text('mdtrt_id').primaryKey(),
  patnId: text('patn_id').notNull(),
  /** 统筹区 of the encounter: first 6 digits of medins_admdvs, else the patient's poolarea (rule-pack.md §1) */
  region: text('region').notNull().default(''),
  medinsId: text('medins_id').notNull(),
  medinsName: text('medins_name').notNull().default(''),
  medinsAdmdvs: text('medins_admdvs').notNull().default(''),
  medinsType: text('medins_type').notNull().default(''),
  medinsLv: text('medins_lv').notNull().default(''),
  wardareaCodg: text('wardarea_codg').notNull().default(''),
  wardno: text('wardno').notNull().default(''),
  bedno: text('bedno').notNull().default(''),
  admDate: ts('adm_date').notNull(),
  dscgDate: ts('dscg_date'),
  dscgMainDiseCodg: text('dscg_main_dise_codg').notNull().default(''),
  dscgMainDiseName: text('dscg_main_dise_name').notNull().default(''),
  drCodg: text('dr_codg').notNull().default(''),
  admDeptCodg: text('adm_dept_codg').notNull().default(''),
  admDeptName: text('adm_dept_name').notNull().default(''),
  dscgDeptCodg: text('dscg_dept_codg').notNull().default(''),
  dscgDeptName: text('dscg_dept_name').notNull().default(''),
  medMdtrtType: text('med_mdtrt_type').notNull(),
  medType: text('med_type').notNull().default(''),
  matnStas: text('matn_stas').notNull().default(''),
  medfeeSumamt: fen('medfee_sumamt'),
  ownpayAmt: fen('ownpay_amt'),
  selfpayAmt: fen('selfpay_amt'),
  insutype: text('insutype').notNull().default(''),
  reimFlag: text('reim_flag').notNull().default(''),
  outSetlFlag: text('out_setl_flag').notNull().default(''),
  extFlags: text('ext_flags').array().notNull().default(sql`'{}'::text[]`),
  setlId: text('setl_id'),
  setlTime: ts('setl_time'),
  hifpPay: fen('hifp_pay'),
  psnPay: fen('psn_pay'),
  extHouseholdId: text('ext_household_id').notNull().default(''),
  extAddress: text('ext_address').notNull().default(''),
  /** sum of line sumamt in fen, kept for fast lists and dashboards */
  linesSumamt: fen('lines_sumamt').notNull().default(0),
  /** the screens' summary of the lines (core summariseEncounter, default bed codes), computed once on write */
  screenSummary: jsonb('screen_summary'),
  lineCount: integer('line_count').notNull().default(0),
  /**
   * The encounter's lines, diagnoses, operations and labs as one compact JSON text, written with them: loading an
   * encounter for the engine reads this one value (measured: 10× less database time than aggregating the rows).
   * The rows stay the source for SQL reports; migration 0010 filled it for rows stored before it existed.
   */
  detailDoc: text('detail_doc').notNull(),
  source: text('source').notNull().default('import'),
  importId: bigint('import_id', { mode: 'number' }),
  updatedAt: tsz('updated_at').notNull().defaultNow(),
}, (t) => [
  index('encounters_patient').on(t.patnId, t.admDate),
  index('encounters_institution').on(t.medinsId, t.admDate),
  index('encounters_region_date').on(t.region, t.admDate),
]);

/** Order lines; `seq` is the position in the input, which breaks ties in chronological order (rule-pack.md §8). */
export const orderLines = pgTable('order_lines', {
  mdtrtId: text('mdtrt_id').notNull(),
  seq: integer('seq').notNull(),
  rxId: text('rx_id').notNull(),
  rxno: text('rxno').notNull().default(''),
  grpno: text('grpno').notNull().default(''),
  longDrordFlag: text('long_drord_flag').notNull().default(''),
  hilistType: text('hilist_type').notNull().default(''),
  chrgType: text('chrg_type').notNull().default(''),
  drordBhvr: text('drord_bhvr').notNull().default(''),
  hilistCode: text('hilist_code').notNull(),
  hilistName: text('hilist_name').notNull().default(''),
  hilistLv: text('hilist_lv').notNull().default(''),
  hilistPric: fen('hilist_pric'),
  hosplistCode: text('hosplist_code').notNull().default(''),
  hosplistName: text('hosplist_name').notNull().default(''),
  cnt: doublePrecision('cnt').notNull(),
  pric: fen('pric').notNull(),
  sumamt: fen('sumamt').notNull(),
  ownpayAmt: fen('ownpay_amt').notNull().default(0),
  selfpayAmt: fen('selfpay_amt').notNull().default(0),
  spec: text('spec').notNull().default(''),
  specUnt: text('spec_unt').notNull().default(''),
  drordBegnDate: ts('drord_begn_date'),
  drordDeptCodg: text('drord_dept_codg').notNull().default(''),
  drordDeptName: text('drord_dept_name').notNull().default(''),
  drordDrCodg: text('drord_dr_codg').notNull().default(''),
  drordDrName: text('drord_dr_name').notNull().default(''),
  drordDrProfttl: integer('drord_dr_profttl'),
  currDrordFlag: boolean('curr_drord_flag').notNull().default(true),
  extDays: doublePrecision('ext_days'),
  extDoses: doublePrecision('ext_doses'),
}, (t) => [primaryKey({ columns: [t.mdtrtId, t.seq] }), index('order_lines_code').on(t.hilistCode)]);

export const diagnoses = pgTable('diagnoses', {
  mdtrtId: text('mdtrt_id').notNull(),
  seq: integer('seq').notNull(),
  diseId: text('dise_id').notNull().default(''),
  inoutDiseType: text('inout_dise_type').notNull().default(''),
  maindiseFlag: boolean('maindise_flag').notNull().default(false),
  diasSrtNo: integer('dias_srt_no'),
  diseCodg: text('dise_codg').notNull(),
  diseName: text('dise_name').notNull().default(''),
  diseDate: day('dise_date'),
}, (t) => [primaryKey({ columns: [t.mdtrtId, t.seq] })]);

export const operations = pgTable('operations', {
  mdtrtId: text('mdtrt_id').notNull(),
  seq: integer('seq').notNull(),
  setlListOprnId: text('setl_list_oprn_id').notNull().default(''),
  oprnCode: text('oprn_code').notNull(),
  oprnName: text('oprn_name').notNull().default(''),
  mainOprnFlag: boolean('main_oprn_flag').notNull().default(false),
  oprnDate: day('oprn_date'),
}, (t) => [primaryKey({ columns: [t.mdtrtId, t.seq] })]);

export const labResults = pgTable('lab_results', {
  mdtrtId: text('mdtrt_id').notNull(),
  seq: integer('seq').notNull(),
  labCode: text('lab_code').notNull(),
  labName: text('lab_name').notNull().default(''),
  rsltVal: doublePrecision('rslt_val').notNull(),
  rsltUnt: text('rslt_unt').notNull().default(''),
  testDate: ts('test_date'),
}, (t) => [primaryKey({ columns: [t.mdtrtId, t.seq] })]);

// ---- rule packs ----------------------------------------------------------------------------------------

export const rulePacks = pgTable('rule_packs', {
  pack: text('pack').primaryKey(),
  name: text('name').notNull(),
  region: text('region').notNull(),
  activeVersion: text('active_version'),
  updatedAt: tsz('updated_at').notNull().defaultNow(),
});

/** Every uploaded version is kept; status draft → active → retired. `(pack, version)` is immutable. */
export const rulePackVersions = pgTable('rule_pack_versions', {
  pack: text('pack').notNull(),
  version: text('version').notNull(),
  content: jsonb('content').notNull(),
  contentHash: text('content_hash').notNull(),
  status: text('status').notNull().default('draft'),
  ruleCount: integer('rule_count').notNull(),
  author: text('author').notNull(),
  changeSummary: text('change_summary').notNull().default(''),
  createdAt: tsz('created_at').notNull().defaultNow(),
  activatedAt: tsz('activated_at'),
  activatedBy: text('activated_by'),
}, (t) => [primaryKey({ columns: [t.pack, t.version] })]);

// ---- people, keys, audit log ---------------------------------------------------------------------------

/** User names are unique case-insensitively (`Auditor` and `auditor` are one person); sign-in matches lower(username). */
export const users = pgTable('users', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  username: text('username').notNull().unique(),
  displayName: text('display_name').notNull().default(''),
  passwordHash: text('password_hash'),
  role: text('role').notNull(),
  /** hospital users: the one institution they act for */
  institutionId: text('institution_id'),
  /** hospital users bound to a department (科室初审 reviewers): the department code (dept_codg) they review for; null: the 医保办 */
  deptCodg: text('dept_codg'),
  /** insured users: their own patn_id */
  patnId: text('patn_id'),
  disabled: boolean('disabled').notNull().default(false),
  /** set by an administrator's reset and by a demo password outside demo mode: the next session may only change it */
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  passwordChangedAt: tsz('password_changed_at'),
  createdAt: tsz('created_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('users_username_ci').on(sql`lower(${t.username})`)]);

/** Failed sign-ins per account (`user:<lower name>`) and per client address (`addr:<ip>`), shared by every process. */
export const loginThrottle = pgTable('login_throttle', {
  subject: text('subject').primaryKey(),
  failures: integer('failures').notNull().default(0),
  windowStart: tsz('window_start').notNull(),
  lockedUntil: tsz('locked_until'),
});

/** API keys: `fg_<key_id>_<secret>`; only a SHA-256 of the whole key is stored. */
export const apiKeys = pgTable('api_keys', {
  keyId: text('key_id').primaryKey(),
  keyHash: text('key_hash').notNull(),
  label: text('label').notNull().default(''),
  role: text('role').notNull(),
  institutionId: text('institution_id'),
  patnId: text('patn_id'),
  userId: bigint('user_id', { mode: 'number' }),
  /** integration keys only: the secret encrypted with the server key, so x-tif signatures can be recomputed */
  secretEnc: text('secret_enc'),
  /** after a rotation, the previous secret (encrypted) and key hash stay valid until previous_valid_until */
  previousSecretEnc: text('previous_secret_enc'),
  previousKeyHash: text('previous_key_hash'),
  previousValidUntil: tsz('previous_valid_until'),
  /** sign-in sessions: ended after idle_timeout_s without use (last_used_at is refreshed at most every KEY_CACHE_MS) */
  idleTimeoutS: integer('idle_timeout_s'),
  lastUsedAt: tsz('last_used_at'),
  createdAt: tsz('created_at').notNull().defaultNow(),
  createdBy: text('created_by').notNull().default(''),
  /** sign-in sessions expire; machine keys do not */
  expiresAt: tsz('expires_at'),
  revokedAt: tsz('revoked_at'),
}, (t) => [uniqueIndex('api_keys_hash').on(t.keyHash), index('api_keys_previous_hash').on(t.previousKeyHash), index('api_keys_user').on(t.userId)]);

/**
 * Append-only, hash-chained. Legacy entries (mac_key null): hash = sha256(prev_hash + canonical entry). Keyed entries:
 * hash = HMAC-SHA256 with a key derived from the server secret (kept outside the database), mac_key naming which.
 * A trigger forbids UPDATE and DELETE; anchors written outside the database catch a rewrite of the tail.
 */
export const auditLog = pgTable('audit_log', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  at: tsz('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  entityType: text('entity_type').notNull(),
  entityId: text('entity_id').notNull(),
  detail: jsonb('detail').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
  macKey: text('mac_key'),
}, (t) => [index('audit_entity').on(t.entityType, t.entityId)]);

/**
 * One row per import run, with its outcome and error report. An import job (a large upload) has its row from the
 * start: status validating → applying → applied, or failed / interrupted (its process stopped; nothing applied),
 * with its progress and the process that runs it (executor, heartbeat_at: run-lease.ts).
 */
export const imports = pgTable('imports', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  fileName: text('file_name').notNull(),
  format: text('format').notNull(),
  status: text('status').notNull(),
  /** the upload's size; bytes_read of it validated so far */
  bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
  bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
  validated: integer('validated').notNull().default(0),
  applied: integer('applied').notNull().default(0),
  executor: text('executor'),
  heartbeatAt: tsz('heartbeat_at'),
  records: integer('records').notNull().default(0),
  replaced: integer('replaced').notNull().default(0),
  warnings: integer('warnings').notNull().default(0),
  errorCount: integer('error_count').notNull().default(0),
  report: jsonb('report'),
  actor: text('actor').notNull(),
  startedAt: tsz('started_at').notNull(),
  finishedAt: tsz('finished_at'),
});

// ---- real-time audit (3101 / 3102 / 3103) ------------------------------------------------------------------

/** Every 3101/3102/3103/9001 call: the envelope fields (no order lines), for tracing an integration. */
export const fsiCalls = pgTable('fsi_calls', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  infno: text('infno').notNull(),
  msgid: text('msgid').notNull(),
  keyActor: text('key_actor').notNull(),
  envelope: jsonb('envelope').notNull(),
  infcode: integer('infcode').notNull(),
  errMsg: text('err_msg'),
  results: integer('results').notNull().default(0),
  receivedAt: tsz('received_at').notNull(),
  ms: integer('ms').notNull().default(0),
}, (t) => [index('fsi_calls_time').on(t.receivedAt)]);

/**
 * The harmless variants a HIS sent and the real-time audit accepted and normalised (audit-api.md §1), counted per
 * institution, field, variant and day (Beijing date of the call), so that the hospital's 医保办 sees what to fix.
 */
export const hisNormalisations = pgTable('his_normalisations', {
  medinsId: text('medins_id').notNull(),
  field: text('field').notNull(),
  variant: text('variant').notNull(),
  day: day('day').notNull(),
  count: bigint('count', { mode: 'number' }).notNull().default(0),
  /** msgid of the latest call that sent it: to find the call in the call log */
  lastMsgid: text('last_msgid').notNull().default(''),
  lastAt: tsz('last_at').notNull(),
}, (t) => [primaryKey({ columns: [t.medinsId, t.field, t.variant, t.day] }), index('his_normalisations_day').on(t.day)]);

/** Warnings returned by 3101/3102 (one per rule and encounter), kept so that 3103 feedback and cases can refer to them. */
export const realtimeWarnings = pgTable('realtime_warnings', {
  jrId: text('jr_id').primaryKey(),
  stage: text('stage').notNull(),
  pack: text('pack').notNull(),
  packVersion: text('pack_version').notNull(),
  ruleId: text('rule_id').notNull(),
  ruleName: text('rule_name').notNull(),
  sevDeg: text('sev_deg').notNull(),
  patnId: text('patn_id').notNull(),
  mdtrtId: text('mdtrt_id').notNull(),
  medinsId: text('medins_id').notNull().default(''),
  deptCodg: text('dept_codg').notNull().default(''),
  drCodg: text('dr_codg').notNull().default(''),
  volaAmtFen: fen('vola_amt_fen').notNull(),
  result: jsonb('result').notNull(),
  createdAt: tsz('created_at').notNull(),
}, (t) => [index('warnings_rule').on(t.ruleId, t.medinsId), index('warnings_encounter').on(t.mdtrtId)]);

/** 3103: what the doctor did with a warning (1 proceed, 2 modified, 3 self-pay, 4 deleted). */
export const warningFeedback = pgTable('warning_feedback', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  jrId: text('jr_id').notNull(),
  warnType: text('warn_type').notNull(),
  dspoWay: text('dspo_way').notNull(),
  dspoWayRea: text('dspo_way_rea').notNull().default(''),
  actor: text('actor').notNull(),
  createdAt: tsz('created_at').notNull(),
}, (t) => [index('feedback_jr').on(t.jrId)]);

/** x-tif nonces seen within the signature window, so that a signed request cannot be replayed. */
export const usedNonces = pgTable('used_nonces', {
  keyId: text('key_id').notNull(),
  nonce: text('nonce').notNull(),
  seenAt: tsz('seen_at').notNull(),
}, (t) => [primaryKey({ columns: [t.keyId, t.nonce] }), index('nonces_time').on(t.seenAt)]);

// ---- post-settlement audit (事后审核) and cases ------------------------------------------------------------

/** A batch audit or impact-replay run: chunked by patient, resumable; progress = done_chunks / total_chunks. */
export const auditRuns = pgTable('audit_runs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  status: text('status').notNull(),
  params: jsonb('params').notNull(),
  packVersions: jsonb('pack_versions').notNull(),
  totalChunks: integer('total_chunks').notNull().default(0),
  doneChunks: integer('done_chunks').notNull().default(0),
  encounters: integer('encounters').notNull().default(0),
  findings: integer('findings').notNull().default(0),
  actor: text('actor').notNull(),
  error: text('error'),
  startedAt: tsz('started_at').notNull(),
  finishedAt: tsz('finished_at'),
  /** the process executing or coordinating the run (host/pid/instance) and when it last showed progress: its lease */
  executor: text('executor'),
  heartbeatAt: tsz('heartbeat_at'),
});

/** A run's chunks: the patients each covers; a chunk's findings are written in the same transaction as its `done`. */
export const auditRunChunks = pgTable('audit_run_chunks', {
  runId: bigint('run_id', { mode: 'number' }).notNull(),
  chunkNo: integer('chunk_no').notNull(),
  patientIds: jsonb('patient_ids').notNull(),
  status: text('status').notNull().default('pending'),
  encounters: integer('encounters').notNull().default(0),
  findings: integer('findings').notNull().default(0),
  worker: text('worker'),
  doneAt: tsz('done_at'),
}, (t) => [primaryKey({ columns: [t.runId, t.chunkNo] })]);

/** Findings of batch runs: one per (run, pack, rule, encounter); `result` is the audit-api.md §3 row. */
export const findings = pgTable('findings', {
  id: text('id').primaryKey(),
  runId: bigint('run_id', { mode: 'number' }).notNull(),
  pack: text('pack').notNull(),
  packVersion: text('pack_version').notNull(),
  ruleId: text('rule_id').notNull(),
  ruleName: text('rule_name').notNull(),
  category: text('category').notNull(),
  severity: text('severity').notNull(),
  appealable: boolean('appealable').notNull().default(true),
  patnId: text('patn_id').notNull(),
  mdtrtId: text('mdtrt_id').notNull(),
  medinsId: text('medins_id').notNull(),
  deptCodg: text('dept_codg').notNull().default(''),
  drCodg: text('dr_codg').notNull().default(''),
  /** YYYY-MM of the encounter (settlement, else admission): cases group by institution and month */
  month: text('month').notNull(),
  amountFen: fen('amount_fen').notNull(),
  result: jsonb('result').notNull(),
  caseId: text('case_id'),
}, (t) => [
  index('findings_run').on(t.runId),
  index('findings_case_key').on(t.medinsId, t.month, t.caseId),
  index('findings_encounter').on(t.mdtrtId),
]);

/** 审核单: the state machine's state (core/src/cases) plus columns for the worklist's filters and order. */
export const cases = pgTable('cases', {
  id: text('id').primaryKey(),
  medinsId: text('medins_id').notNull(),
  month: text('month').notNull(),
  status: text('status').notNull(),
  level: integer('level').notNull().default(0),
  special: boolean('special').notNull().default(false),
  proposedFen: fen('proposed_fen').notNull(),
  deductionFen: fen('deduction_fen'),
  risk: doublePrecision('risk').notNull().default(0),
  /** the strongest screening lead on the case's encounters (0–1): the worklist ranks by risk × (1 + lead_boost) */
  leadBoost: doublePrecision('lead_boost').notNull().default(0),
  findingCount: integer('finding_count').notNull(),
  dueAt: tsz('due_at'),
  /** when the deduction became final: the institution statement of that month offsets it */
  finalAt: tsz('final_at'),
  state: jsonb('state').notNull(),
  version: integer('version').notNull().default(0),
  createdAt: tsz('created_at').notNull(),
  updatedAt: tsz('updated_at').notNull(),
}, (t) => [index('cases_worklist').on(t.status, t.risk), index('cases_institution').on(t.medinsId, t.month)]);

/** Every transition of a case, in order. */
export const caseEvents = pgTable('case_events', {
  caseId: text('case_id').notNull(),
  seq: integer('seq').notNull(),
  type: text('type').notNull(),
  actor: text('actor').notNull(),
  at: tsz('at').notNull(),
  event: jsonb('event').notNull(),
}, (t) => [primaryKey({ columns: [t.caseId, t.seq] })]);

/** Explanation and appeal evidence; the checksum is recorded with the case event that cites it. */
export const attachments = pgTable('attachments', {
  sha256: text('sha256').notNull(),
  caseId: text('case_id').notNull(),
  name: text('name').notNull(),
  contentType: text('content_type').notNull(),
  bytes: integer('bytes').notNull(),
  content: text('content').notNull(),
  uploadedBy: text('uploaded_by').notNull(),
  uploadedAt: tsz('uploaded_at').notNull(),
}, (t) => [primaryKey({ columns: [t.caseId, t.sha256] })]);

/** Fines decided on a case (recovered amount × multiplier), with the legal basis; a hearing is offered first. */
export const penalties = pgTable('penalties', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  caseId: text('case_id').notNull(),
  medinsId: text('medins_id').notNull(),
  kind: text('kind').notNull(),
  multiplier: doublePrecision('multiplier').notNull(),
  recoveredFen: fen('recovered_fen').notNull(),
  fineFen: fen('fine_fen').notNull(),
  basis: text('basis').notNull(),
  hearingOffered: boolean('hearing_offered').notNull(),
  actor: text('actor').notNull(),
  at: tsz('at').notNull(),
  /** 一事不再罚: a case has one live penalty of a kind; another needs the earlier one revoked, with a reason */
  revokedAt: tsz('revoked_at'),
  revokedBy: text('revoked_by'),
  revokeReason: text('revoke_reason'),
}, (t) => [index('penalties_case').on(t.caseId)]);

// ---- settlement (结算) --------------------------------------------------------------------------------

/** Policy parameter sets (settlement.md) per region, year, insutype and scenario; effective-dated and versioned. */
export const policySets = pgTable('policy_sets', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  region: text('region').notNull(),
  year: integer('year').notNull(),
  insutype: text('insutype').notNull(),
  scenario: text('scenario').notNull(),
  version: text('version').notNull(),
  capGroup: text('cap_group').notNull(),
  effectiveFrom: day('effective_from').notNull(),
  effectiveTo: day('effective_to').notNull(),
  /** the set as submitted (yuan, ratios 0–1), checked by core parsePolicy */
  body: jsonb('body').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: tsz('created_at').notNull(),
}, (t) => [
  uniqueIndex('policy_sets_version').on(t.region, t.insutype, t.scenario, t.year, t.version),
  index('policy_sets_lookup').on(t.region, t.insutype, t.scenario, t.effectiveFrom),
]);

/** Year-to-date figures per person and year (admissions, 大病保险); its row lock serialises a person's settlements. */
export const accumulatorsYear = pgTable('accumulators_year', {
  patnId: text('patn_id').notNull(),
  year: integer('year').notNull(),
  admissions: integer('admissions').notNull().default(0),
  catastrophicBaseFen: fen('catastrophic_base_fen').notNull().default(0),
  catastrophicPaidFen: fen('catastrophic_paid_fen').notNull().default(0),
  updatedAt: tsz('updated_at').notNull(),
}, (t) => [primaryKey({ columns: [t.patnId, t.year] })]);

/** Year-to-date figures per person, year and cap group (统筹 paid, outpatient deductible met). */
export const accumulatorsCap = pgTable('accumulators_cap', {
  patnId: text('patn_id').notNull(),
  year: integer('year').notNull(),
  capGroup: text('cap_group').notNull(),
  fundPaidFen: fen('fund_paid_fen').notNull().default(0),
  deductibleMetFen: fen('deductible_met_fen').notNull().default(0),
  updatedAt: tsz('updated_at').notNull(),
}, (t) => [primaryKey({ columns: [t.patnId, t.year, t.capGroup] })]);

/** Stateful settlements and their reversals (冲销); both keyed by the caller's idempotency key. */
export const settlements = pgTable('settlements', {
  setlId: text('setl_id').primaryKey(),
  idempotencyKey: text('idempotency_key').notNull(),
  requestHash: text('request_hash').notNull(),
  mdtrtId: text('mdtrt_id').notNull(),
  patnId: text('patn_id').notNull(),
  medinsId: text('medins_id').notNull(),
  year: integer('year').notNull(),
  capGroup: text('cap_group').notNull(),
  policySetId: bigint('policy_set_id', { mode: 'number' }).notNull(),
  settledAt: tsz('settled_at').notNull(),
  medfeeFen: fen('medfee_fen').notNull(),
  hifpFen: fen('hifp_fen').notNull(),
  hifmiFen: fen('hifmi_fen').notNull(),
  fundPayFen: fen('fund_pay_fen').notNull(),
  psnPartFen: fen('psn_part_fen').notNull(),
  accBefore: jsonb('acc_before').notNull(),
  accAfter: jsonb('acc_after').notNull(),
  /** the settlement.md output and the plain-Chinese explanation */
  result: jsonb('result').notNull(),
  actor: text('actor').notNull(),
  status: text('status').notNull(),
  reversalKey: text('reversal_key'),
  reversedAt: tsz('reversed_at'),
  reversedBy: text('reversed_by'),
  reversalReason: text('reversal_reason'),
}, (t) => [
  uniqueIndex('settlements_idempotency').on(t.idempotencyKey),
  uniqueIndex('settlements_reversal').on(t.reversalKey),
  // one live settlement per encounter; a reversed one may be settled again
  uniqueIndex('settlements_live_encounter').on(t.mdtrtId).where(sql`status = 'settled'`),
  index('settlements_person').on(t.patnId, t.year),
  index('settlements_institution').on(t.medinsId, t.settledAt),
  index('settlements_reversed').on(t.medinsId, t.reversedAt),
]);

// ---- screening (疑点筛查) and the review queue ------------------------------------------------------------

/** Screen parameters per region (screening.md: all configurable); absent: the defaults. */
export const screenParams = pgTable('screen_params', {
  region: text('region').primaryKey(),
  params: jsonb('params').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: tsz('updated_at').notNull(),
});

/** A screening job over a period: progress by institution; its leads are written all at once when it finishes. */
export const screeningRuns = pgTable('screening_runs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  status: text('status').notNull(),
  params: jsonb('params').notNull(),
  totalInstitutions: integer('total_institutions').notNull().default(0),
  doneInstitutions: integer('done_institutions').notNull().default(0),
  encounters: integer('encounters').notNull().default(0),
  leads: integer('leads').notNull().default(0),
  actor: text('actor').notNull(),
  error: text('error'),
  startedAt: tsz('started_at').notNull(),
  finishedAt: tsz('finished_at'),
  /** as audit_runs: the executing process and its last progress */
  executor: text('executor'),
  heartbeatAt: tsz('heartbeat_at'),
});

/** 疑点线索: one per (run, lead_id); `mdtrt_ids` lists the encounters its evidence cites, for per-encounter risk. */
export const leads = pgTable('leads', {
  runId: bigint('run_id', { mode: 'number' }).notNull(),
  leadId: text('lead_id').notNull(),
  category: text('category').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectIds: text('subject_ids').array().notNull(),
  medinsId: text('medins_id').notNull(),
  score: integer('score').notNull(),
  factors: jsonb('factors').notNull(),
  evidence: jsonb('evidence').notNull(),
  mdtrtIds: text('mdtrt_ids').array().notNull(),
  amountAtRiskFen: fen('amount_at_risk_fen').notNull(),
  summary: text('summary').notNull(),
}, (t) => [
  primaryKey({ columns: [t.runId, t.leadId] }),
  index('leads_rank').on(t.runId, t.score),
  index('leads_encounters').using('gin', t.mdtrtIds),
]);

/** The risk-ranked review queue: one row per encounter in scope, queued or auto-passed below the threshold. */
export const reviewQueue = pgTable('review_queue', {
  mdtrtId: text('mdtrt_id').primaryKey(),
  medinsId: text('medins_id').notNull(),
  patnId: text('patn_id').notNull(),
  month: text('month').notNull(),
  risk: doublePrecision('risk').notNull(),
  factors: jsonb('factors').notNull(),
  amountFen: fen('amount_fen').notNull(),
  status: text('status').notNull(),
  threshold: doublePrecision('threshold').notNull(),
  assignedTo: text('assigned_to'),
  assignedOn: day('assigned_on'),
  decidedAt: tsz('decided_at'),
  outcome: text('outcome'),
  builtAt: tsz('built_at').notNull(),
  auditRunId: bigint('audit_run_id', { mode: 'number' }),
  screeningRunId: bigint('screening_run_id', { mode: 'number' }),
}, (t) => [index('review_queue_rank').on(t.status, t.risk), index('review_queue_reviewer').on(t.assignedTo, t.assignedOn)]);

/** A distributed screening run's result for one institution: its leads and its share of the cross-institution screens. */
export const screeningParts = pgTable('screening_parts', {
  runId: bigint('run_id', { mode: 'number' }).notNull(),
  medinsId: text('medins_id').notNull(),
  encounters: integer('encounters').notNull(),
  leads: jsonb('leads').notNull(),
  admissions: jsonb('admissions').notNull(),
  peers: jsonb('peers').notNull(),
  worker: text('worker').notNull(),
  doneAt: tsz('done_at').notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.medinsId] })]);

/** Sampling draws (抽查) and 双随机 inspection draws: what was drawn, from what, with which seed — reproducible and published. */
export const sampleDraws = pgTable('sample_draws', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  params: jsonb('params').notNull(),
  draw: jsonb('draw').notNull(),
  /** sampled id → its stratum key (for extrapolation) */
  strataOf: jsonb('strata_of').notNull(),
  extrapolation: jsonb('extrapolation'),
  actor: text('actor').notNull(),
  createdAt: tsz('created_at').notNull(),
});
