import { createWriteStream, renameSync } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import type { ScreeningRunRow } from '@fundguard/store';
import { resolveTarget } from '../local.ts';
import { callServer } from '../client.ts';
import { progressBar } from '../progress.ts';
import { CliInputError } from '../exit.ts';

const LEADS_PAGE = 1000;

/** `fundguard screen`: the six screens of screening.md over stored encounters, with a progress bar by institution. */
export function register(program: Command): void {
  program
    .command('screen')
    .description('run the screens (分解住院, 频繁住院, 同进同出, 费用雷同, 挂床, 同行异常, 冒名/虚假住院, 死亡后就医) over stored encounters admitted in [from, to); prints the run and its top leads (--out: all of them as JSONL); all or nothing')
    .requiredOption('--from <date>', 'first admission day')
    .requiredOption('--to <date>', 'admissions before this day')
    .option('--region <code>', '统筹区 (its screen parameters apply)')
    .option('--institution <medins_id>')
    .option('--top <n>', 'leads to print', '20')
    .option('--out <file>', 'also write every lead of the run to this file, one JSON object per line (amounts in yuan)')
    .action(async (o: { from: string; to: string; region?: string; institution?: string; top: string; out?: string }) => {
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 0) throw new CliInputError(`--top: a whole number, got ${o.top}`);
      const target = await resolveTarget();
      const bar = progressBar('screen');
      const show = (r: ScreeningRunRow) => bar.update(r.done_institutions, r.total_institutions);
      const scope = { from: o.from, to: o.to, region: o.region, medins_id: o.institution };
      try {
        let run: ScreeningRunRow;
        let leads: unknown;
        if (target.kind === 'server') {
          run = await callServer<ScreeningRunRow>(target, 'POST', '/api/v1/screening-runs', scope);
          while (run.status === 'running') {
            show(run);
            await new Promise((r) => setTimeout(r, 1000));
            run = await callServer<ScreeningRunRow>(target, 'GET', `/api/v1/screening-runs/${run.id}`);
          }
          leads = await callServer(target, 'GET', `/api/v1/screening-runs/${run.id}/leads?limit=${top}`);
        } else {
          run = await target.fg.screening.start(target.actor, scope);
          const timer = setInterval(() => void target.fg.screening.repo.run(run.id).then((r) => r && show(r)), 500);
          try {
            run = await target.fg.screening.done(run.id);
          } finally {
            clearInterval(timer);
          }
          leads = await target.fg.screening.leads(target.actor, { runId: run.id, limit: top });
        }
        show(run);
        bar.stop();
        let written: number | undefined;
        if (o.out && run.status === 'done') {
          // every lead, a page at a time (the API pages at 1000), to a temporary name first: a partial file never looks complete
          const file = createWriteStream(`${o.out}.partial`);
          written = 0;
          for (let offset = 0; ; offset += LEADS_PAGE) {
            const page = (target.kind === 'server'
              ? await callServer(target, 'GET', `/api/v1/screening-runs/${run.id}/leads?limit=${LEADS_PAGE}&offset=${offset}`)
              : await target.fg.screening.leads(target.actor, { runId: run.id, limit: LEADS_PAGE, offset })) as { total: number; items: unknown[] };
            for (const l of page.items) if (!file.write(`${JSON.stringify(l)}\n`)) await once(file, 'drain');
            written += page.items.length;
            if (page.items.length < LEADS_PAGE) break;
          }
          await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
          renameSync(`${o.out}.partial`, o.out);
        }
        process.stdout.write(JSON.stringify({ run, leads, ...(written !== undefined ? { written: { file: o.out, leads: written } } : {}) }, null, 2) + '\n');
        if (run.status !== 'done') process.exitCode = 1;
      } finally {
        bar.stop();
        if (target.kind === 'local') await target.fg.close();
      }
    });
}
