import {
  CATALOGUE_COLUMNS, CATALOGUE_REQUIRED, catalogueKey, FundGuardError, IssueList, LIST_COLUMNS, LIST_REQUIRED, normaliseCatalogueRow,
  normaliseImportEncounter, normaliseListRow, type CatalogueEntry, type FieldIssue, type ListEntry, type Normalised, type PatientEncounter,
} from '@fundguard/core';
import type { Db } from '@fundguard/store';
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

/**
 * Imports are two passes over the file with flat memory: validate everything (collecting every error, first 100
 * reported plus the total), then apply in one transaction. A file with any error changes nothing.
 */
export class ImportService {
  constructor(private readonly ctx: ServiceContext) {}

  async importCatalogue(file: ImportFile, actor: Actor, onProgress?: (p: ImportProgress) => void): Promise<ImportReport> {
    requirePermission(actor, 'catalogue.import');
    const report = await this.run<CatalogueEntry>({
      kind: 'catalogue', file, actor, onProgress,
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

  async importLists(file: ImportFile, actor: Actor, onProgress?: (p: ImportProgress) => void): Promise<ImportReport> {
    requirePermission(actor, 'lists.import');
    const report = await this.run<ListEntry>({
      kind: 'lists', file, actor, onProgress,
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

  /** JSON Lines (streamed), or the CSV/XLSX table form of claims-import.md (`tables`). */
  /**
   * `correction` is an administrator's explicit cross-institution correction (re-import that moves stored encounters
   * to another institution), with its reason; every replacement is audit-logged with the old and new digests.
   */
  importEncounters(file: ImportFile | EncounterTables, actor: Actor, onProgress?: (p: ImportProgress) => void, correction?: { reason: string }): Promise<ImportReport> {
    requirePermission(actor, 'encounters.import');
    if (correction && actor.role !== 'admin') throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not move encounters between institutions (an administrator's correction)`);
    if (correction && !correction.reason.trim()) throw new FundGuardError('E_FIELD_REQUIRED', 'reason: a cross-institution correction needs a reason', [{ field: 'reason', reason: 'required' }]);
    const owner = boundInstitution(actor);
    const touched = new Set<string>();
    const common = {
      kind: 'encounters' as const, actor, onProgress,
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
    if ('encounters' in file) {
      return this.run<PatientEncounter>({ ...common, file: { path: file.encounters.path, name: file.encounters.name, format: file.encounters.format }, source: () => readEncounterTables(file) }).then((r) => this.afterBulk(r, touched));
    }
    if (file.format !== 'jsonl') {
      throw new FundGuardError('E_IMPORT_INVALID', `${file.name}: encounters come as JSON Lines, or as three CSV files / XLSX sheets (encounters, orders, diagnoses)`);
    }
    return this.run<PatientEncounter>({ ...common, file, spec: { known: [], required: [], allowUnknownInJson: true } }).then((r) => this.afterBulk(r, touched));
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
      if (total % 5000 === 0) job.onProgress?.({ phase: 'validate', done: total, total: 0 });
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
      const [{ id: importId }] = await this.ctx.database.rows<{ id: number }>(sql`
        insert into imports (kind, file_name, format, status, actor, started_at) values (${job.kind}, ${file.name}, ${file.format}, 'applying', ${job.actor.id}, ${startedAt}::timestamptz)
        returning id`, tx);
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
        job.onProgress?.({ phase: 'apply', done, total });
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
        update imports set status = 'applied', records = ${total}, replaced = ${report.replaced}, warnings = ${warnings.count},
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
