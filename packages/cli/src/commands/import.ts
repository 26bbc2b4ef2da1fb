import type { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { FundGuardError, type FieldIssue } from '@fundguard/core';
import { formatFromName } from '@fundguard/service/imports/records.ts';
import { workbookTables } from '@fundguard/service/imports/encounter-tables.ts';
import type { ImportProgress } from '@fundguard/service';
import { progressBar } from '../progress.ts';
import { resolveTarget } from '../local.ts';
import { CliInputError } from '../exit.ts';

const KINDS = ['catalogue', 'encounters', 'lists'] as const;
type Kind = (typeof KINDS)[number];
const CONTENT_TYPES = { csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', jsonl: 'application/x-ndjson' } as const;

export function register(program: Command): void {
  program
    .command('import')
    .description('import catalogue, encounters or lists into the database (through the running server if one owns the embedded data dir); all or nothing')
    .argument('<kind>', KINDS.join('|'))
    .argument('<file>', 'CSV, XLSX or JSONL (encounters: JSONL, or an XLSX workbook with sheets encounters/orders/diagnoses)')
    .option('--orders <file>', 'encounters as CSV: the orders table')
    .option('--diagnoses <file>', 'encounters as CSV: the diagnoses table')
    .action(async (kind: string, file: string, opts: { orders?: string; diagnoses?: string }) => {
      if (!KINDS.includes(kind as Kind)) throw new CliInputError(`unknown kind ${kind}; use ${KINDS.join(', ')}`);
      try {
        statSync(file);
      } catch {
        throw new CliInputError(`cannot read ${file}`);
      }
      const name = basename(file);
      const format = formatFromName(name);
      if (!format) throw new CliInputError(`${name}: cannot tell the format; name it .csv, .xlsx or .jsonl`);
      const target = await resolveTarget();
      if (target.kind === 'server') {
        if (opts.orders || opts.diagnoses) throw new CliInputError('CSV table imports of encounters go through a local database; stop the server or use JSONL/XLSX');
        // As a job whatever the size: the bar follows the server's progress (GET /api/v1/imports/{id}).
        const res = await fetch(`${target.url}/api/v1/${kind}?job=true&name=${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.key}`, 'content-type': CONTENT_TYPES[format] },
          body: createReadStream(file) as unknown as BodyInit,
          duplex: 'half',
        } as RequestInit);
        const body = (await res.json()) as { import_id?: number; error?: ServerError };
        if (!res.ok) throw asError(body.error!);
        const report = res.status === 202 ? await followJob(target, body.import_id!, kind) : body;
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const bar = progressBar(`import ${kind}`);
      // Reading and validating: bytes of the file; applying: records of the file.
      const size = statSync(file).size;
      const onProgress = (p: ImportProgress) => (p.phase === 'apply' && p.total ? bar.update(p.done, p.total) : p.bytes !== undefined ? bar.update(p.bytes, size) : bar.update(p.done));
      try {
        const src = { path: file, name, format };
        let report;
        if (kind === 'catalogue') report = await target.fg.imports.importCatalogue(src, target.actor, onProgress);
        else if (kind === 'lists') report = await target.fg.imports.importLists(src, target.actor, onProgress);
        else if (opts.orders || opts.diagnoses) {
          if (!opts.orders || !opts.diagnoses) throw new CliInputError('CSV encounters need both --orders and --diagnoses');
          const t = (p: string) => ({ path: p, name: basename(p), format: 'csv' as const });
          report = await target.fg.imports.importEncounters({ encounters: t(file), orders: t(opts.orders), diagnoses: t(opts.diagnoses) }, target.actor, onProgress);
        } else report = await target.fg.imports.importEncounters(format === 'xlsx' ? workbookTables(file, name) : src, target.actor, onProgress);
        bar.stop();
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } finally {
        bar.stop();
        await target.fg.close();
      }
    });
}

type ServerError = { code: string; message: string; issues?: FieldIssue[]; total?: number };
const asError = (e: ServerError) => new FundGuardError(e.code as FundGuardError['code'], e.message, e.issues ?? [], e.total);

/** Polls an import job with a progress bar on stderr until it ends; its report, or its error (the line errors). */
async function followJob(target: { url: string; key: string }, id: number, kind: string): Promise<unknown> {
  const bar = progressBar(`import ${kind} #${id}`, 100);
  try {
    for (;;) {
      const res = await fetch(`${target.url}/api/v1/imports/${id}`, { headers: { authorization: `Bearer ${target.key}` } });
      const job = (await res.json()) as { status: string; percent: number; report: unknown; error: ServerError | null } & { error?: ServerError };
      if (!res.ok) throw asError(job.error!);
      bar.update(job.percent, 100);
      if (job.status === 'applied') return job.report;
      if (job.status === 'failed' || job.status === 'interrupted') throw asError(job.error ?? { code: 'E_INTERNAL', message: `import ${id} ${job.status}` });
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    bar.stop();
  }
}
