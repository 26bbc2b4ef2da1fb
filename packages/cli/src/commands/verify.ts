import type { Command } from 'commander';
import { resolveTarget } from '../local.ts';

export function register(program: Command): void {
  program
    .command('verify')
    .description('prove the hash chain of the audit log (exit 0 when intact, 3 when broken)')
    .action(async () => {
      const target = await resolveTarget();
      let result: { ok: boolean };
      if (target.kind === 'server') {
        const res = await fetch(`${target.url}/api/v1/audit-log/verify`, { headers: { authorization: `Bearer ${target.key}` } });
        result = (await res.json()) as { ok: boolean };
      } else {
        try {
          result = await target.fg.ctx.auditLog.verify();
        } finally {
          await target.fg.close();
        }
      }
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      if (!result.ok) process.exitCode = 3;
    });
}
