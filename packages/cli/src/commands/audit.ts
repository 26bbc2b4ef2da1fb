import type { Command } from 'commander';
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { compilePack, formatIssue, FundGuardError, type CatalogueEntry, type CompiledPack, type FieldIssue, type Stage } from '@fundguard/core';
import { readCatalogueFile, readPackFiles } from '@fundguard/service/packs-io.ts';
import { auditFile, defaultThreads, shardBudget } from '../audit/coordinator.ts';
import type { ShardSetup } from '../audit/shard.ts';
import { progressBar } from '../progress.ts';
import { CliInputError } from '../exit.ts';

const STAGES = ['pre', 'mid', 'post'];

/**
 * Compiles packs (as read by readPackFiles) for a stateless command; a pack with errors, or a catalogue rule without a catalogue, is bad input.
 * Without a catalogue, a `@GROUP` the pack does not define is a warning on stderr (the catalogue would define it).
 */
export function compileAll(read: readonly { file: string; pack: unknown }[], catalogue: readonly CatalogueEntry[] | undefined): CompiledPack[] {
  return read.map(({ file, pack }) => {
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
    .option('--threads <n>', 'threads (the output is the same for any number); default: the cores, 1 for files under 4 MB')
    .action(async (file: string, opts: { rules: string[]; catalogue?: string; stage: string; out?: string; threads?: string }) => {
      if (!STAGES.includes(opts.stage)) throw new CliInputError(`--stage must be pre, mid or post (got ${opts.stage})`);
      if (opts.threads !== undefined && !/^[1-9][0-9]?$/.test(opts.threads)) throw new CliInputError(`--threads must be a whole number 1–99 (got ${opts.threads})`);
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new CliInputError(`cannot read ${file}`);
      }
      const catalogue = opts.catalogue ? await readCatalogueFile(opts.catalogue) : undefined;
      const read = readPackFiles(opts.rules);
      const packs = compileAll(read, catalogue);
      const threads = opts.threads ? Number(opts.threads) : defaultThreads(size);
      const setup: ShardSetup = { path: file, name: basename(file), packs: read.map((r) => r.pack), catalogue, stage: opts.stage as Stage, budget: shardBudget(threads) };

      const out: NodeJS.WritableStream | WriteStream = opts.out ? createWriteStream(opts.out) : process.stdout;
      const bar = progressBar('audit');
      try {
        await auditFile(setup, packs, threads, async (text) => {
          if (!out.write(text)) await once(out, 'drain');
        }, bar);
      } finally {
        bar.stop();
        if (opts.out) {
          (out as WriteStream).end();
          await once(out, 'finish');
        }
      }
    });
}
