import type { Command } from 'commander';
import { closeSync, createWriteStream, openSync, readSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import {
  compilePack, evaluatePatient, formatIssue, FundGuardError, IssueList, normaliseImportEncounter, toResultRow, type CatalogueEntry, type CompiledPack, type Encounter, type FieldIssue, type Patient,
} from '@fundguard/core';
import { catalogueLookup, readCatalogueFile, readPackFiles } from '@fundguard/service/packs-io.ts';
import { readTextLines } from '@fundguard/service/imports/lines.ts';
import { progressBar } from '../progress.ts';
import { CliInputError } from '../exit.ts';

const STAGES = ['pre', 'mid', 'post'];

/**
 * Compiles packs for a stateless command; a pack with errors, or a catalogue rule without a catalogue, is bad input.
 * Without a catalogue, a `@GROUP` the pack does not define is a warning on stderr (the catalogue would define it).
 */
export function compileAll(files: readonly string[], catalogue: readonly CatalogueEntry[] | undefined): CompiledPack[] {
  return readPackFiles(files).map(({ file, pack }) => {
    try {
      const warnings: FieldIssue[] = [];
      const compiled = compilePack(pack, { catalogue, unknownGroups: catalogue ? 'error' : 'warn', warnings });
      for (const w of warnings) process.stderr.write(`warning: ${basename(file)} ${formatIssue(w)}\n`);
      return compiled;
    } catch (e) {
      if (e instanceof FundGuardError) throw new FundGuardError(e.code, `${basename(file)}: ${e.message}`, e.issues.map((i) => ({ ...i, file: basename(file) })));
      throw e;
    }
  });
}

export function register(program: Command): void {
  program
    .command('audit')
    .description('audit a JSONL file of encounters against rule packs, stateless (no database); one finding per line in the 3101 result shape')
    .argument('<encounters>', 'JSON Lines, one encounter per line (claims-import.md)')
    .requiredOption('--rules <pack>', 'rule pack file (JSON/YAML) or directory; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--catalogue <file>', 'catalogue (CSV, XLSX or JSONL per catalogue.md)')
    .option('--stage <stage>', 'pre | mid | post', 'post')
    .option('--out <file>', 'write findings here instead of stdout')
    .action(async (file: string, opts: { rules: string[]; catalogue?: string; stage: string; out?: string }) => {
      if (!STAGES.includes(opts.stage)) throw new CliInputError(`--stage must be pre, mid or post (got ${opts.stage})`);
      try {
        statSync(file);
      } catch {
        throw new CliInputError(`cannot read ${file}`);
      }
      const catalogue = opts.catalogue ? await readCatalogueFile(opts.catalogue) : undefined;
      const packs = compileAll(opts.rules, catalogue);
      const name = basename(file);

      // Pass 1: validate every line and remember where each patient's encounters are (windows wider than a visit
      // see all of a patient's encounters in the file); memory holds offsets, not encounters.
      const errors = new IssueList();
      const byPatient = new Map<string, [number, number][]>();
      let offset = 0;
      let count = 0;
      const bar = progressBar('audit');
      for await (const { line, text } of readTextLines(file, name)) {
        const bytes = Buffer.byteLength(text, 'utf8');
        const start = offset;
        offset += bytes + 1;
        if (!text.trim()) continue;
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch (e) {
          errors.add({ file: name, line, field: '(line)', reason: `not valid JSON (${(e as Error).message})` });
          continue;
        }
        const n = normaliseImportEncounter(raw, { file: name, line });
        errors.addAll(n.errors);
        if (!n.value) continue;
        count++;
        const pid = n.value.patient.patn_id;
        const list = byPatient.get(pid);
        if (list) list.push([start, bytes]);
        else byPatient.set(pid, [[start, bytes]]);
      }
      if (!errors.empty) throw errors.toError('E_INPUT_INVALID', `${name}: bad input, nothing audited`);

      // Pass 2: one patient at a time.
      const out: NodeJS.WritableStream | WriteStream = opts.out ? createWriteStream(opts.out) : process.stdout;
      const lookup = catalogue ? catalogueLookup(catalogue) : undefined;
      const fd = openSync(file, 'r');
      let done = 0;
      try {
        for (const [, spans] of byPatient) {
          let patient: Patient | null = null;
          const encounters: Encounter[] = [];
          for (const [start, len] of spans) {
            const buf = Buffer.alloc(len);
            readSync(fd, buf, 0, len, start);
            const pe = normaliseImportEncounter(JSON.parse(buf.toString('utf8'))).value!;
            patient ??= pe.patient;
            encounters.push(pe.encounter);
          }
          const findings = evaluatePatient(packs, { patient: patient!, encounters }, { stage: opts.stage as 'pre' | 'mid' | 'post', catalogue: lookup });
          for (const f of findings) {
            if (!out.write(JSON.stringify(toResultRow(f, { salt: name })) + '\n')) await once(out, 'drain');
          }
          done += spans.length;
          bar.update(done, count);
        }
      } finally {
        closeSync(fd);
        bar.stop();
      }
      if (opts.out) {
        (out as WriteStream).end();
        await once(out, 'finish');
      }
    });
}
