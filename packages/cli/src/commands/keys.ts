import type { Command } from 'commander';
import { ROLES, type Role } from '@fundguard/service/auth/roles.ts';
import { resolveTarget } from '../local.ts';
import { CliInputError } from '../exit.ts';

export function register(program: Command): void {
  const keys = program.command('keys').description('API keys');
  keys
    .command('create')
    .description('create an API key and print it (shown once)')
    .requiredOption('--role <role>', ROLES.join('|'))
    .option('--label <text>', 'what the key is for')
    .option('--institution <medins_id>', 'hospital keys: the institution')
    .option('--patient <patn_id>', 'insured keys: the person')
    .action(async (o: { role: string; label?: string; institution?: string; patient?: string }) => {
      if (!ROLES.includes(o.role as Role)) throw new CliInputError(`--role must be one of ${ROLES.join(', ')}`);
      const target = await resolveTarget();
      if (target.kind === 'server') {
        const res = await fetch(`${target.url}/api/v1/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ role: o.role, label: o.label, institution_id: o.institution, patn_id: o.patient }),
        });
        process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n');
        if (!res.ok) process.exitCode = 2;
        return;
      }
      try {
        const r = await target.fg.keys.create(target.actor, { role: o.role as Role, label: o.label, institutionId: o.institution, patnId: o.patient });
        process.stdout.write(JSON.stringify({ key: r.key, ...r.info }, null, 2) + '\n');
      } finally {
        await target.fg.close();
      }
    });
}
