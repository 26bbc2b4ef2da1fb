import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FundGuardError, type FieldIssue } from '@fundguard/core';
import { resolveTarget } from '../local.ts';
import { CliInputError } from '../exit.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function call(target: { url: string; key: string }, method: string, path: string, body?: Buffer, type?: string): Promise<Response> {
  const res = await fetch(`${target.url}${path}`, { method, headers: { authorization: `Bearer ${target.key}`, ...(type ? { 'content-type': type } : {}) }, body: body as unknown as BodyInit | undefined });
  if (!res.ok) {
    const err = ((await res.json()) as { error: { code: string; message: string; issues?: FieldIssue[]; total?: number } }).error;
    throw new FundGuardError(err.code as FundGuardError['code'], err.message, err.issues ?? [], err.total);
  }
  return res;
}

/** Policy parameter sets (结算参数) and institution monthly statements (月度结算单). */
export function register(program: Command): void {
  const policies = program.command('policies').description('settlement policy parameter sets (settlement.md), effective-dated and versioned');
  policies
    .command('import')
    .description('import sets from JSON (one set or a list) or XLSX (one sheet per set: column A the parameter path, B the value); all or nothing')
    .argument('<file>')
    .action(async (file: string) => {
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch {
        throw new CliInputError(`cannot read ${file}`);
      }
      const name = basename(file);
      const xlsx = name.endsWith('.xlsx');
      const target = await resolveTarget();
      if (target.kind === 'server') {
        const res = await call(target, 'POST', `/api/v1/policy-sets?name=${encodeURIComponent(name)}`, content, xlsx ? XLSX : 'application/json');
        process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n');
        return;
      }
      try {
        const r = await target.fg.settlements.importPolicyFile(target.actor, content, name);
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      } finally {
        await target.fg.close();
      }
    });
  policies
    .command('list')
    .description('stored sets with their versions and effective dates')
    .option('--region <code>')
    .action(async (o: { region?: string }) => {
      const target = await resolveTarget();
      if (target.kind === 'server') {
        const res = await call(target, 'GET', `/api/v1/policy-sets${o.region ? `?region=${encodeURIComponent(o.region)}` : ''}`);
        process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n');
        return;
      }
      try {
        process.stdout.write(JSON.stringify({ items: await target.fg.settlements.policySets(target.actor, { region: o.region }) }, null, 2) + '\n');
      } finally {
        await target.fg.close();
      }
    });

  program
    .command('statement')
    .description('an institution\'s monthly statement (月度结算单): settlements and reversals of the month minus final deductions and fines')
    .argument('<medins_id>')
    .argument('<month>', 'YYYY-MM')
    .option('--xlsx <file>', 'write the statement sheet to this file instead of printing JSON')
    .action(async (medinsId: string, month: string, o: { xlsx?: string }) => {
      const target = await resolveTarget();
      if (target.kind === 'server') {
        const path = `/api/v1/statements/${encodeURIComponent(medinsId)}/${encodeURIComponent(month)}${o.xlsx ? '?format=xlsx' : ''}`;
        const res = await call(target, 'GET', path);
        if (o.xlsx) writeFileSync(o.xlsx, Buffer.from(await res.arrayBuffer()));
        else process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n');
        return;
      }
      try {
        if (o.xlsx) writeFileSync(o.xlsx, await target.fg.settlements.statementXlsx(target.actor, medinsId, month));
        else process.stdout.write(JSON.stringify(await target.fg.settlements.statement(target.actor, medinsId, month), null, 2) + '\n');
      } finally {
        await target.fg.close();
      }
    });
}
