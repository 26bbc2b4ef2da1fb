import type { Command } from 'commander';
import type { RunStatus } from '@fundguard/service';
import { resolveTarget } from '../local.ts';
import { callServer } from '../client.ts';
import { progressBar } from '../progress.ts';
import { CliInputError } from '../exit.ts';

export function register(program: Command): void {
  program
    .command('audit-run')
    .description('batch audit (事后) of stored encounters admitted in [from, to) with the active packs; progress bar; resumable (--resume <id>)')
    .option('--from <date>', 'first admission day')
    .option('--to <date>', 'admissions before this day')
    .option('--region <code>', '统筹区')
    .option('--institution <medins_id>')
    .option('--resume <run_id>', 'continue a run that stopped (crash, shutdown)')
    .action(async (o: { from?: string; to?: string; region?: string; institution?: string; resume?: string }) => {
      if (!o.resume && (!o.from || !o.to)) throw new CliInputError('--from and --to are required (or --resume <run_id>)');
      const target = await resolveTarget();
      const bar = progressBar('audit-run');
      const show = (s: RunStatus) => bar.update(s.done_chunks, s.total_chunks);
      try {
        let status: RunStatus;
        if (target.kind === 'server') {
          if (o.resume) throw new CliInputError('the running server resumes unfinished runs itself at start-up');
          status = await callServer<RunStatus>(target, 'POST', '/api/v1/audit-runs', { from: o.from, to: o.to, region: o.region, medins_id: o.institution });
          while (!['done', 'failed', 'cancelled'].includes(status.status)) {
            show(status);
            await new Promise((r) => setTimeout(r, 1000));
            status = await callServer<RunStatus>(target, 'GET', `/api/v1/audit-runs/${status.id}`);
          }
        } else {
          const { rulesEvaluator } = await import('@fundguard/service');
          const svc = target.fg.runs.batch;
          const id = o.resume ? Number(o.resume) : await svc.plan(target.actor, { from: o.from!, to: o.to!, region: o.region, medins_id: o.institution }, target.fg.rules.snapshot().versions);
          if (!target.fg.rules.snapshot().packs.length) throw new CliInputError('no active rule pack: upload and activate one first (fundguard rules upload … --activate)');
          status = await svc.execute(id, rulesEvaluator(target.fg.rules.snapshot(), id), { onChunk: show });
        }
        show(status);
        bar.stop();
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        if (status.status === 'failed') process.exitCode = 1;
      } finally {
        bar.stop();
        if (target.kind === 'local') await target.fg.close();
      }
    });
}
