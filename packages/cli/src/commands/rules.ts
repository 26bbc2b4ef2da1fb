import type { Command } from 'commander';
import { basename } from 'node:path';
import { FundGuardError, formatIssue, validatePack } from '@fundguard/core';
import { readCatalogueFile, readPackFiles } from '@fundguard/service';

export function register(program: Command): void {
  const rules = program.command('rules').description('rule packs');
  rules
    .command('validate')
    .description('check a rule pack against the contract and print every error (exit 2 if any)')
    .argument('<pack>', 'pack file (JSON/YAML) or directory')
    .option('--catalogue <file>', 'a catalogue whose group_codes the pack may reference')
    .action(async (file: string, opts: { catalogue?: string }) => {
      const catalogue = opts.catalogue ? await readCatalogueFile(opts.catalogue) : undefined;
      const externalGroups = catalogue ? new Set(catalogue.flatMap((e) => e.group_codes)) : undefined;
      let failed = false;
      for (const { file: f, pack } of readPackFiles([file])) {
        try {
          const p = validatePack(pack, { externalGroups });
          process.stdout.write(`${basename(f)}: ${p.pack}@${p.version} valid, ${p.rules.length} rules\n`);
        } catch (e) {
          if (!(e instanceof FundGuardError)) throw e;
          failed = true;
          process.stderr.write(`${basename(f)}: ${e.issues.length} error(s)\n`);
          for (const i of e.issues) process.stderr.write(`  ${formatIssue(i)}\n`);
        }
      }
      if (failed) process.exitCode = 2;
    });
}
