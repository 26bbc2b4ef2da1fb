import type { Command } from 'commander';
import { resolveTarget } from '../local.ts';

export function register(program: Command): void {
  program
    .command('verify')
    .description('prove the audit log chain (keyed with the server secret) and check it against the latest anchor outside the database (FUNDGUARD_AUDIT_ANCHOR_FILE, default <data dir>/audit-anchors.jsonl); exit 0 when intact, 3 when broken')
    .option('--anchor <json>', 'check against this anchor (a line of the anchor file or of the server log\'s "audit log anchor") instead of the file\'s latest')
    .action(async (o: { anchor?: string }) => {
      const given = o.anchor ? JSON.parse(o.anchor) as Record<string, unknown> : undefined;
      const anchor = given && typeof given.audit_anchor === 'object' ? given.audit_anchor : given;
      const target = await resolveTarget();
      let result: { ok: boolean };
      if (target.kind === 'server') {
        const res = await fetch(`${target.url}/api/v1/audit-log/verify`, {
          method: anchor ? 'POST' : 'GET',
          headers: { authorization: `Bearer ${target.key}`, ...(anchor ? { 'content-type': 'application/json' } : {}) },
          body: anchor ? JSON.stringify({ anchor }) : undefined,
        });
        result = (await res.json()) as { ok: boolean };
      } else {
        try {
          result = await target.fg.auditChain.verify(anchor as never ?? undefined);
        } finally {
          await target.fg.close();
        }
      }
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      if (!result.ok) process.exitCode = 3;
    });
}
