import type { Command } from 'commander';
import { ROLES, type Role } from '@fundguard/service/auth/roles.ts';
import type { Actor, FundGuard } from '@fundguard/service';
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
    .option('--paasid <paasid>', 'integration keys: register a HIS\'s existing national x-tif-paasid (with --secret)')
    .option('--secret <secret>', 'integration keys: the HIS\'s existing national secret (stored encrypted)')
    .action(async (o: { role: string; label?: string; institution?: string; patient?: string; paasid?: string; secret?: string }) => {
      if (!ROLES.includes(o.role as Role)) throw new CliInputError(`--role must be one of ${ROLES.join(', ')}`);
      await run('POST', '/api/v1/keys', { role: o.role, label: o.label, institution_id: o.institution, patn_id: o.patient, paasid: o.paasid, secret: o.secret },
        async (fg, actor) => {
          const r = await fg.keys.create(actor, { role: o.role as Role, label: o.label, institutionId: o.institution, patnId: o.patient, paasid: o.paasid, secret: o.secret });
          return { key: r.key, ...(r.paasid ? { paasid: r.paasid, secret: r.secret } : {}), ...r.info };
        });
    });
  keys
    .command('rotate <key_id>')
    .description('rotate a key without downtime: a new key (and x-tif secret) at once, the previous one valid for --grace-hours (default 24)')
    .option('--secret <secret>', 'integration keys: the new secret to use (else one is generated)')
    .option('--grace-hours <n>', 'how long the previous key and secret stay valid', '24')
    .action(async (keyId: string, o: { secret?: string; graceHours: string }) => {
      const grace = Number(o.graceHours);
      if (!Number.isFinite(grace) || grace < 0 || grace > 720) throw new CliInputError('--grace-hours must be a number from 0 to 720');
      await run('POST', `/api/v1/keys/${encodeURIComponent(keyId)}/rotate`, { secret: o.secret, grace_hours: grace }, async (fg, actor) => {
        const r = await fg.keys.rotate(actor, keyId, { secret: o.secret, graceHours: grace });
        return { key: r.key, ...(r.paasid ? { paasid: r.paasid, secret: r.secret } : {}), ...r.info };
      });
    });
  keys
    .command('reseal')
    .description('after rotating FUNDGUARD_SECRET_KEY (old one in FUNDGUARD_SECRET_KEY_PREVIOUS): re-encrypt stored integration secrets with the new key')
    .action(async () => {
      await run('POST', '/api/v1/keys/reseal', {}, (fg, actor) => fg.keys.resealSecrets(actor));
    });
}

/** Through the running server when it owns the embedded data dir, else on the database directly. */
async function run(method: string, path: string, body: unknown, local: (fg: FundGuard, actor: Actor) => Promise<unknown>): Promise<void> {
  const target = await resolveTarget();
  if (target.kind === 'server') {
    const res = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n');
    if (!res.ok) process.exitCode = 2;
    return;
  }
  try {
    process.stdout.write(JSON.stringify(await local(target.fg, target.actor), null, 2) + '\n');
  } finally {
    await target.fg.close();
  }
}
