import type { Command } from 'commander';
import type { OverrideGrouping } from '@fundguard/service';
import { resolveTarget } from '../local.ts';
import { callServer } from '../client.ts';
import { CliInputError } from '../exit.ts';

export function register(program: Command): void {
  const report = program.command('report').description('reports');
  report
    .command('overrides')
    .description('per-rule override rates from 3103 feedback (how often doctors proceed against a rule)')
    .option('--by <grouping>', 'rule | institution | department | doctor', 'rule')
    .option('--from <date>')
    .option('--to <date>')
    .option('--institution <medins_id>')
    .action(async (o: { by: string; from?: string; to?: string; institution?: string }) => {
      if (!['rule', 'institution', 'department', 'doctor'].includes(o.by)) throw new CliInputError('--by: rule, institution, department or doctor');
      const target = await resolveTarget();
      let items: Record<string, unknown>[];
      if (target.kind === 'server') {
        const q = new URLSearchParams({ by: o.by, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.institution ? { medins_id: o.institution } : {}) });
        items = (await callServer<{ items: Record<string, unknown>[] }>(target, 'GET', `/api/v1/realtime/override-rates?${q}`)).items;
      } else {
        try {
          const { FeedbackService } = await import('@fundguard/service');
          items = (await new FeedbackService(target.fg.ctx).overrideRates(target.actor, { by: o.by as OverrideGrouping, from: o.from, to: o.to, medinsId: o.institution })) as unknown as Record<string, unknown>[];
        } finally {
          await target.fg.close();
        }
      }
      for (const r of items) process.stdout.write(JSON.stringify(r) + '\n');
    });
}
