import {
  CATALOGUE_COLUMNS, CATALOGUE_REQUIRED, catalogueKey, FundGuardError, IssueList, LIST_COLUMNS, LIST_REQUIRED, normaliseCatalogueRow,
  normaliseImportEncounter, normaliseListRow, type CatalogueEntry, type FieldIssue, type ListEntry, type Normalised, type PatientEncounter,
} from '@fundguard/core';
import { ORDER_LINE_COLUMNS, orderLineRows, STAGE_COLUMN_NAMES, stagingRow, type Db } from '@fundguard/store';
import { sql } from 'drizzle-orm';
import { boundInstitution, requirePermission, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';
import { readRecords, type ColumnSpec, type SourceRecord, type TabularFormat } from './records.ts';
import { readEncounterTables, relocateChildIssue, type EncounterTables } from './encounter-tables.ts';

export type ImportKind = 'catalogue' | 'lists' | 'encounters';

export interface ImportFile {
  path: string;
  /** the name shown in error reports */
  name: string;
  format: TabularFormat;
}

export interface ImportProgress {
  phase: 'validate' | 'apply';
  done: number;
  /** records in the file; known after validation */
  total: number;
  /** records read and validated so far */
  validated?: number;
  /** records written so far, inside the import's one transaction (visible to others only when it commits) */
  applied?: number;
  /** bytes of the file read so far, where the reader knows it */
  bytes?: number;
}

/** How an import is run: `importId` names a row made beforehand (an import job, import-jobs.ts). */
export interface ImportOptions {
  importId?: number;
  /**
   * Encounters only: `copy` (default) streams them once through COPY into a staging table and applies them from there,
   * set-based; `statements` is the earlier path (validate pass, then batches of inserts), kept for the benchmark.
   */
  method?: 'copy' | 'statements';
}

export interface ImportReport {
  import_id: number;
  kind: ImportKind;
  file: string;
  format: TabularFormat;
  /** all-or-nothing: either every record was applied or none */
  mode: 'all-or-nothing';
  records: number;
  inserted: number;
  updated: number;
  /** encounters only: mdtrt_ids that replaced a stored encounter */
  replaced: number;
  warning_count: number;
  /** first 100 data-quality warnings */
  warnings: FieldIssue[];
}

/** records per statement batch: large enough to amortise round trips, small enough to keep memory flat */
const BATCH = 5000;
/**
 * Encounters per batch on the embedded database, whose statements run on the event loop's thread: a batch of a few
 * MB is a pause of tens of milliseconds, after which the import yields, so that /healthz and requests that need no
 * database answer during a large import (issue 17 item 6) instead of after it.
 */
const PGLITE_ENCOUNTER_BATCH = 200;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** the longest the import keeps the thread between giving other requests a turn (parsing; PGlite statements) */
const YIELD_MS = 10;
const PGLITE_STATEMENT_MS = Number(process.env.FUNDGUARD_IMPORT_STATEMENT_MS ?? 50);

/** Rows per statement, adjusted after each statement towards PGLITE_STATEMENT_MS (between 1 and 2000). */
class StatementSizer {
  constructor(public rows: number) {}
  measured(rows: number, ms: number): void {
    if (rows < this.rows / 2) return; // a short last batch says little
    const next = Math.round((rows * PGLITE_STATEMENT_MS) / Math.max(ms, 1));
    // grow slowly, shrink at once
    this.rows = Math.max(1, Math.min(2000, next < this.rows ? next : Math.min(next, this.rows * 2)));
  }
}

/** names the staging tables of this process's imports apart (PGlite: one session for all of them) */
let stagingSeq = 0;

/**
 * Imports are two passes over the file with flat memory: validate everything (collecting every error, first 100
 * reported plus the total), then apply in one transaction. A file with any error changes nothing.
 */
export class ImportService {
  constructor(private readonly ctx: ServiceContext) {}

  async importCatalogue(file: ImportFile, actor: Actor, onProgress?: (p: ImportProgress) => void, opts: ImportOptions = {}): Promise<ImportReport> {
    requirePermission(actor, 'catalogue.import');
    const report = await this.run<CatalogueEntry>({
      kind: 'catalogue', file, actor, onProgress, importId: opts.importId,
      spec: { known: CATALOGUE_COLUMNS, required: CATALOGUE_REQUIRED },
      normalise: (rec, base) => normaliseCatalogueRow(rec, base),
      key: catalogueKey,
      describeKey: (e) => `hilist_code=${e.hilist_code} region=${e.region} effective_from=${e.effective_from ?? '(open)'}`,
      apply: async (tx, batch, importId) => {
        const r = await this.ctx.catalogue.upsertMany(tx, batch, importId);
        return { ...r, replaced: [] };
      },
    });
    if (report.records >= 1000) await this.ctx.database.rows(sql`analyze catalogue_entries`);
    await this.ctx.changes.publish({ kind: 'catalogue' }); // the rules engine reloads its catalogue, in every process
    return report;
  }

  async importLists(file: ImportFile, actor: Actor, onProgress?: (p: ImportProgress) => void, opts: ImportOptions = {}): Promise<ImportReport> {
    requirePermission(actor, 'lists.import');
    const report = await this.run<ListEntry>({
      kind: 'lists', file, actor, onProgress, importId: opts.importId,
      spec: { known: LIST_COLUMNS, required: LIST_REQUIRED },
      normalise: (rec, base) => normaliseListRow(rec, base),
      key: (e) => `${e.list}\u0000${e.subject_type}\u0000${e.subject_code}\u0000${e.effective_from ?? ''}`,
      describeKey: (e) => `${e.list} ${e.subject_type} ${e.subject_code} from ${e.effective_from ?? '(open)'}`,
      apply: async (tx, batch) => {
        const n = await this.ctx.lists.upsertMany(tx, batch, 'import', actor.id);
        return { inserted: n, updated: 0, replaced: [] };
      },
    });
    await this.ctx.changes.publish({ kind: 'lists' });
    return report;
  }

  /**
   * JSON Lines (streamed), or the CSV/XLSX table form of claims-import.md (`tables`).
   * `correction` is an administrator's explicit cross-institution correction (re-import that moves stored encounters
   * to another institution), with its reason; every replacement is audit-logged with the old and new digests.
   */
  importEncounters(file: ImportFile | EncounterTables, actor: Actor, onProgress?: (p: ImportProgress) => void, correction?: { reason: string }, opts: ImportOptions = {}): Promise<ImportReport> {
    requirePermission(actor, 'encounters.import');
    if (correction && actor.role !== 'admin') throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not move encounters between institutions (an administrator's correction)`);
    if (correction && !correction.reason.trim()) throw new FundGuardError('E_FIELD_REQUIRED', 'reason: a cross-institution correction needs a reason', [{ field: 'reason', reason: 'required' }]);
    const owner = boundInstitution(actor);
    const touched = new Set<string>();
    const common = {
      kind: 'encounters' as const, actor, onProgress, importId: opts.importId,
      batchSize: this.ctx.database.kind === 'pglite' ? PGLITE_ENCOUNTER_BATCH : BATCH,
      normalise: (rec: Record<string, unknown>, base: { file?: string; line?: number }) => {
        const r = normaliseImportEncounter(rec, { ...base, requirePatient: true });
        r.errors = r.errors.map((i) => relocateChildIssue(rec, i));
        r.warnings = r.warnings.map((i) => relocateChildIssue(rec, i));
        if (r.value && owner !== null && r.value.encounter.medins_id !== owner) {
          return { value: null, warnings: [], errors: [{ ...base, record: `mdtrt_id=${r.value.encounter.mdtrt_id}`, field: 'medins_id', value: r.value.encounter.medins_id, reason: 'a hospital may only import its own institution\'s encounters' }] };
        }
        return r;
      },
      key: (e: PatientEncounter) => e.encounter.mdtrt_id,
      describeKey: (e: PatientEncounter) => `mdtrt_id=${e.encounter.mdtrt_id}`,
      apply: async (tx: Db, batch: PatientEncounter[], importId: number) => {
        const replaced = await this.ctx.encounters.replaceMany(tx, batch, { importId, source: 'import', owner, allowInstitutionChange: correction !== undefined });
        for (const pe of batch) touched.add(pe.patient.patn_id);
        return { inserted: batch.length - replaced.length, updated: replaced.length, replaced, replacementDetail: { replacements: replaced, ...(correction ? { correction: correction.reason } : {}) } };
      },
    };
    const staged = (opts.method ?? 'copy') === 'copy';
    const stagedOpts = { owner, allowInstitutionChange: correction !== undefined, correction };
    if ('encounters' in file) {
      const named = { path: file.encounters.path, name: file.encounters.name, format: file.encounters.format };
      const source = () => readEncounterTables(file);
      return (staged ? this.runStaged({ ...common, ...stagedOpts, file: named, source, touched }) : this.run<PatientEncounter>({ ...common, file: named, source })).then((r) => this.afterBulk(r, touched));
    }
    if (file.format !== 'jsonl') {
      throw new FundGuardError('E_IMPORT_INVALID', `${file.name}: encounters come as JSON Lines, or as three CSV files / XLSX sheets (encounters, orders, diagnoses)`);
    }
    const spec = { known: [], required: [], allowUnknownInJson: true };
    return (staged ? this.runStaged({ ...common, ...stagedOpts, file, source: () => readRecords(file.format, file.path, file.name, spec), touched }) : this.run<PatientEncounter>({ ...common, file, spec })).then((r) => this.afterBulk(r, touched));
  }

  /**
   * Encounters through COPY (issue 20): the file is read once; each record is validated as before (the same line
   * errors) and, while the file has none, written as a staging row; batches of rows go to a temporary staging table
   * with COPY, and are applied from there set-based by EncountersRepo.applyStaged (replaceMany's ownership rules and
   * replacement records), in one transaction: all or nothing.
   * PostgreSQL: the transaction spans the whole read and each batch is applied as soon as it is staged (the server
   * applies one batch while this process parses the next). PGlite (one session, shared with every request): the
   * staging runs statement by statement with the session free in between, and only the apply holds it, in short
   * statements that yield to the event loop.
   */
  private async runStaged(job: {
    file: ImportFile;
    actor: Actor;
    source: () => AsyncGenerator<SourceRecord>;
    onProgress?: (p: ImportProgress) => void;
    importId?: number;
    normalise: (rec: Record<string, unknown>, base: { file?: string; line?: number }) => Normalised<PatientEncounter>;
    touched: Set<string>;
    owner: string | null;
    allowInstitutionChange: boolean;
    correction?: { reason: string };
  }): Promise<ImportReport> {
    const { file, actor } = job;
    const database = this.ctx.database;
    const pg = database.kind === 'postgres';
    const repo = this.ctx.encounters;
    // PostgreSQL: large batches (its own process works on them). PGlite runs statements on this thread: each COPY and
    // each apply statement is sized from the last one's time to take about PGLITE_STATEMENT_MS, and the thread is
    // given back between them (/healthz and requests answer meanwhile; issue 17 item 6).
    const limits = pg ? { rows: 1000, bytes: 4 << 20 } : { rows: PGLITE_ENCOUNTER_BATCH, bytes: 1 << 20 };
    const copySize = new StatementSizer(pg ? 1000 : 20);
    const staging = `import_stage_${process.pid}_${++stagingSeq}`;
    return database.bulkSession(async (session) => {
      await repo.createStaging(session.db, staging);
      try {
        const errors = new IssueList(100);
        const warnings = new IssueList(100);
        const firstLine = new Map<string, number>();
        let total = 0;
        let applied = 0;
        let bytes = 0;
        let inserted = 0;
        let updated = 0;
        const replacedAll: string[] = [];
        /** PGlite: the lines of the staged encounters, in order (the apply takes them in slices of measured size) */
        const stagedLines: number[] = [];
        const progress = (phase: ImportProgress['phase']) => job.onProgress?.({ phase, done: phase === 'apply' ? applied : total, total: phase === 'apply' ? total : 0, validated: total, applied, bytes });
        let importId = job.importId ?? 0;
        const begin = async (tx: Db) => {
          if (job.importId === undefined) {
            [{ id: importId }] = await database.rows<{ id: number }>(sql`
              insert into imports (kind, file_name, format, status, actor, started_at) values ('encounters', ${file.name}, ${file.format}, 'applying', ${actor.id}, ${this.ctx.nowIso()}::timestamptz)
              returning id`, tx);
          }
          await repo.lockAllForBulk(tx);
        };
        const applyRange = async (tx: Db, r: { from: number; to: number; rows: number; lines?: string }) => {
          const replaced = await repo.applyStaged(tx, staging, r.from, r.to, { importId, source: 'import', owner: job.owner, allowInstitutionChange: job.allowInstitutionChange, linesCopied: r.lines !== undefined });
          // PostgreSQL: the batch's order lines go straight into order_lines, in the import's transaction, once the
          // encounters they replace (and their lines) are gone.
          if (r.lines) await session.copyIn('order_lines', ORDER_LINE_COLUMNS, r.lines);
          applied += r.rows;
          inserted += r.rows - replaced.length;
          updated += replaced.length;
          if (replaced.length) {
            replacedAll.push(...replaced.slice(0, Math.max(0, 1000 - replacedAll.length)).map((x) => x.mdtrt_id));
            // who (the entry's actor), when, and per encounter the old and new institution and digests
            await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'encounters.replace', entityType: 'import', entityId: String(importId), at: this.ctx.nowIso(),
              detail: { replacements: replaced, ...(job.correction ? { correction: job.correction.reason } : {}) } }]);
          }
          progress('apply');
        };
        /** Reads, validates and stages the whole file; `apply` (PostgreSQL) applies each staged batch at once. */
        const stageAll = async (apply?: (r: { from: number; to: number; rows: number; lines?: string }) => Promise<void>) => {
          let rows: string[] = [];
          let lineRows: string[] = [];
          let size = 0;
          let from = 0;
          let last = 0;
          // One batch is copied (and applied) while the next is parsed: the database and the parser work at the same time.
          let inflight: Promise<void> = Promise.resolve();
          let lastYield = performance.now();
          const flush = async () => {
            if (!rows.length || !errors.empty) return void ((rows = []), (lineRows = []));
            const data = rows.join('');
            const r = { from, to: last + 1, rows: rows.length, ...(apply ? { lines: lineRows.join('') } : {}) };
            rows = [];
            lineRows = [];
            size = 0;
            await inflight;
            inflight = (async () => {
              const t = performance.now();
              await session.copyIn(staging, STAGE_COLUMN_NAMES, data);
              if (!pg) copySize.measured(r.rows, performance.now() - t);
              if (apply) await apply(r);
              else if (!pg) await yieldToEventLoop();
            })();
            inflight.catch(() => undefined); // awaited below; avoid an unhandled rejection in between
          };
          for await (const src of job.source()) {
            total++;
            if (src.end !== undefined) bytes = src.end;
            if (total % 1000 === 0) progress('validate');
            // Buffered input is parsed without ever waiting for I/O: give other requests a turn every few milliseconds.
            if (performance.now() - lastYield > YIELD_MS) {
              await yieldToEventLoop();
              lastYield = performance.now();
            }
            if (!src.record) {
              errors.add(src.problem!);
              continue;
            }
            const base = { file: file.name, line: src.line };
            const n = job.normalise(src.record, base);
            errors.addAll(n.errors);
            warnings.addAll(n.warnings);
            if (!n.value) continue;
            const key = n.value.encounter.mdtrt_id;
            const prev = firstLine.get(key);
            if (prev !== undefined) {
              errors.add({ ...base, record: `mdtrt_id=${key}`, field: '(record)', reason: `duplicate of line ${prev}` });
              continue;
            }
            firstLine.set(key, src.line);
            // A file with an error changes nothing: from the first error on, records are only validated.
            if (!errors.empty) continue;
            job.touched.add(n.value.patient.patn_id);
            if (!rows.length) from = src.line;
            last = src.line;
            if (!pg) stagedLines.push(src.line);
            const row = stagingRow(n.value, src.line);
            rows.push(row);
            if (pg) lineRows.push(orderLineRows(n.value));
            size += row.length;
            if (rows.length >= Math.min(limits.rows, copySize.rows) || size >= limits.bytes) await flush();
          }
          await flush();
          await inflight;
          firstLine.clear();
          if (total === 0) errors.add({ file: file.name, field: '(file)', reason: 'no records after the header' });
          if (!errors.empty) throw errors.toError('E_IMPORT_INVALID', `${file.name}: nothing imported`);
          progress('validate');
        };
        const finish = async (tx: Db): Promise<ImportReport> => {
          const report: ImportReport = {
            import_id: importId, kind: 'encounters', file: file.name, format: file.format, mode: 'all-or-nothing', records: total, inserted, updated,
            replaced: updated, warning_count: warnings.count, warnings: warnings.items,
          };
          await database.rows(sql`
            update imports set status = 'applied', records = ${total}, replaced = ${updated}, warnings = ${warnings.count}, validated = ${total}, applied = ${total}, bytes_read = bytes,
              report = ${JSON.stringify({ ...report, replaced_ids: replacedAll })}::jsonb, finished_at = ${this.ctx.nowIso()}::timestamptz
            where id = ${importId}`, tx);
          await this.ctx.auditLog.append(tx, [{
            actor: actor.id, action: 'encounters.import', entityType: 'import', entityId: String(importId), at: this.ctx.nowIso(),
            detail: { file: file.name, format: file.format, records: total, inserted, updated, warnings: warnings.count },
          }]);
          return report;
        };
        if (pg) {
          return await session.transaction(async (tx) => {
            await begin(tx);
            await stageAll((r) => applyRange(tx, r));
            return finish(tx);
          });
        }
        await stageAll();
        return await session.transaction(async (tx) => {
          await begin(tx);
          const applySize = new StatementSizer(20);
          for (let i = 0; i < stagedLines.length;) {
            const n = Math.min(applySize.rows, stagedLines.length - i);
            const to = i + n < stagedLines.length ? stagedLines[i + n] : stagedLines[stagedLines.length - 1] + 1;
            const t = performance.now();
            await applyRange(tx, { from: stagedLines[i], to, rows: n });
            applySize.measured(n, performance.now() - t);
            i += n;
            await yieldToEventLoop();
          }
          return finish(tx);
        });
      } finally {
        await repo.dropStaging(session.db, staging).catch(() => undefined);
      }
    });
  }

  /**
   * After an encounter import has committed: cached histories of its patients are dropped (here and in the other
   * processes), and after a large one the planner's statistics are refreshed (see EncountersRepo.refreshStatistics).
   */
  private async afterBulk(report: ImportReport, patients: Set<string>): Promise<ImportReport> {
    if (patients.size) await this.ctx.changes.publish({ kind: 'patients', ids: [...patients] });
    if (report.records >= 1000) await this.ctx.encounters.refreshStatistics();
    return report;
  }

  private async run<T>(job: {
    kind: ImportKind;
    file: ImportFile;
    actor: Actor;
    importId?: number;
    spec?: ColumnSpec;
    source?: () => AsyncGenerator<SourceRecord>;
    onProgress?: (p: ImportProgress) => void;
    /** records per applied batch (default BATCH) */
    batchSize?: number;
    normalise: (rec: Record<string, unknown>, base: { file?: string; line?: number }) => Normalised<T>;
    key: (v: T) => string;
    describeKey: (v: T) => string;
    apply: (tx: Db, batch: T[], importId: number) => Promise<{ inserted: number; updated: number; replaced: { mdtrt_id: string }[]; replacementDetail?: Record<string, unknown> }>;
  }): Promise<ImportReport> {
    const { file } = job;
    const records = () => (job.source ? job.source() : readRecords(file.format, file.path, file.name, job.spec!));
    // Pass 1: validate everything.
    const errors = new IssueList(100);
    const warnings = new IssueList(100);
    const firstLine = new Map<string, number>();
    let total = 0;
    for await (const src of records()) {
      total++;
      if (total % 5000 === 0) job.onProgress?.({ phase: 'validate', done: total, total: 0, validated: total, bytes: src.end });
      // Buffered input is parsed without ever waiting for I/O: give other requests a turn now and then.
      if (total % 500 === 0) await yieldToEventLoop();
      if (!src.record) {
        errors.add(src.problem!);
        continue;
      }
      const base = { file: file.name, line: src.line };
      const n = job.normalise(src.record, base);
      errors.addAll(n.errors);
      warnings.addAll(n.warnings);
      if (n.value) {
        const key = job.key(n.value);
        const prev = firstLine.get(key);
        if (prev !== undefined) errors.add({ ...base, record: job.describeKey(n.value), field: '(record)', reason: `duplicate of line ${prev}` });
        else firstLine.set(key, src.line);
      }
    }
    firstLine.clear();
    if (total === 0) errors.add({ file: file.name, field: '(file)', reason: 'no records after the header' });
    if (!errors.empty) throw errors.toError('E_IMPORT_INVALID', `${file.name}: nothing imported`);
    job.onProgress?.({ phase: 'validate', done: total, total });

    // Pass 2: apply in one transaction.
    const startedAt = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const importId = job.importId ?? (await this.ctx.database.rows<{ id: number }>(sql`
        insert into imports (kind, file_name, format, status, actor, started_at) values (${job.kind}, ${file.name}, ${file.format}, 'applying', ${job.actor.id}, ${startedAt}::timestamptz)
        returning id`, tx))[0].id;
      let inserted = 0;
      let updated = 0;
      let done = 0;
      let batch: T[] = [];
      const replacedAll: string[] = [];
      const applyBatch = async (items: T[]) => {
        const r = await job.apply(tx, items, importId);
        inserted += r.inserted;
        updated += r.updated;
        done += items.length;
        if (r.replaced.length) {
          replacedAll.push(...r.replaced.slice(0, Math.max(0, 1000 - replacedAll.length)).map((x) => x.mdtrt_id));
          // who (the entry's actor), when, and per encounter the old and new institution and digests
          await this.ctx.auditLog.append(tx, [{ actor: job.actor.id, action: `${job.kind}.replace`, entityType: 'import', entityId: String(importId), at: this.ctx.nowIso(), detail: r.replacementDetail ?? { mdtrt_ids: r.replaced.map((x) => x.mdtrt_id) } }]);
        }
        job.onProgress?.({ phase: 'apply', done, total, validated: total, applied: done });
        if (this.ctx.database.kind === 'pglite') await yieldToEventLoop();
      };
      // One batch is written while the next is parsed: the database and the parser work at the same time.
      let inflight: Promise<void> = Promise.resolve();
      const flush = async () => {
        if (!batch.length) return;
        const items = batch;
        batch = [];
        await inflight;
        inflight = applyBatch(items);
        inflight.catch(() => undefined); // awaited below; avoid an unhandled rejection in between
      };
      for await (const src of records()) {
        const n = job.normalise(src.record!, { file: file.name, line: src.line });
        batch.push(n.value!);
        if (batch.length >= (job.batchSize ?? BATCH)) await flush();
      }
      await flush();
      await inflight;
      if (done !== total) throw new FundGuardError('E_CONFLICT', `${file.name} changed while it was being imported (${total} records validated, ${done} read); nothing imported`);
      const report: ImportReport = {
        import_id: importId, kind: job.kind, file: file.name, format: file.format, mode: 'all-or-nothing', records: total, inserted, updated,
        replaced: job.kind === 'encounters' ? updated : 0, warning_count: warnings.count, warnings: warnings.items,
      };
      await this.ctx.database.rows(sql`
        update imports set status = 'applied', records = ${total}, replaced = ${report.replaced}, warnings = ${warnings.count}, validated = ${total}, applied = ${total}, bytes_read = bytes,
          report = ${JSON.stringify({ ...report, replaced_ids: replacedAll })}::jsonb, finished_at = ${this.ctx.nowIso()}::timestamptz
        where id = ${importId}`, tx);
      await this.ctx.auditLog.append(tx, [{
        actor: job.actor.id, action: `${job.kind}.import`, entityType: 'import', entityId: String(importId), at: this.ctx.nowIso(),
        detail: { file: file.name, format: file.format, records: total, inserted, updated, warnings: warnings.count },
      }]);
      return report;
    });
  }
}
