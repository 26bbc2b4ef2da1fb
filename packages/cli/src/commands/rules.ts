import type { Command } from 'commander';
import { basename } from 'node:path';
import { FundGuardError, formatIssue, validatePack, type FieldIssue } from '@fundguard/core';
import { readCatalogueFile, readPackFiles } from '@fundguard/service/packs-io.ts';
import { resolveTarget } from '../local.ts';
import { callServer } from '../client.ts';

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
          const warnings: FieldIssue[] = [];
          // Without a catalogue, groups the pack does not define may come from the catalogue: warnings, not errors.
          const p = validatePack(pack, { externalGroups, unknownGroups: catalogue ? 'error' : 'warn', warnings });
          for (const w of warnings) process.stderr.write(`warning: ${basename(f)} ${formatIssue(w)}\n`);
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

  rules
    .command('upload')
    .description('validate and store a pack as a new version (draft, or active with --activate)')
    .argument('<pack>', 'pack file (JSON/YAML) or directory')
    .option('--activate', 'make it the active version')
    .action(async (file: string, opts: { activate?: boolean }) => {
      const packs = readPackFiles([file]);
      const target = await resolveTarget();
      try {
        for (const { pack } of packs) {
          const r = target.kind === 'server'
            ? await callServer(target, 'POST', `/api/v1/rule-packs${opts.activate ? '?activate=true' : ''}`, pack)
            : await target.fg.packs.upload(target.actor, pack, { activate: opts.activate });
          process.stdout.write(JSON.stringify(r) + '\n');
        }
      } finally {
        if (target.kind === 'local') await target.fg.close();
      }
    });

  rules
    .command('activate')
    .description('make a stored version the active one')
    .argument('<pack>')
    .argument('<version>')
    .action(async (pack: string, version: string) => {
      const target = await resolveTarget();
      try {
        const r = target.kind === 'server'
          ? await callServer(target, 'POST', `/api/v1/rule-packs/${encodeURIComponent(pack)}/versions/${encodeURIComponent(version)}/activate`)
          : await target.fg.packs.activate(target.actor, pack, version);
        process.stdout.write(JSON.stringify(r) + '\n');
      } finally {
        if (target.kind === 'local') await target.fg.close();
      }
    });

  rules
    .command('list')
    .description('packs and their versions (author, time, status, change summary)')
    .argument('[pack]', 'one pack: its versions')
    .action(async (pack?: string) => {
      const target = await resolveTarget();
      try {
        const r = target.kind === 'server'
          ? await callServer(target, 'GET', pack ? `/api/v1/rule-packs/${encodeURIComponent(pack)}/versions` : '/api/v1/rule-packs')
          : pack ? { items: await target.fg.packs.versions(target.actor, pack) } : { items: await target.fg.packs.packs(target.actor) };
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      } finally {
        if (target.kind === 'local') await target.fg.close();
      }
    });

  rules
    .command('diff')
    .description('field-by-field differences between two versions of a pack')
    .argument('<pack>')
    .argument('<from>')
    .argument('<to>')
    .action(async (pack: string, from: string, to: string) => {
      const target = await resolveTarget();
      try {
        const r = target.kind === 'server'
          ? await callServer(target, 'GET', `/api/v1/rule-packs/${encodeURIComponent(pack)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)
          : await target.fg.packs.diff(target.actor, pack, from, to);
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      } finally {
        if (target.kind === 'local') await target.fg.close();
      }
    });
}
