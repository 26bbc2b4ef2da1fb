/**
 * A process that starts an encounter import job and kills itself (SIGKILL: no clean-up of any kind) once the job has
 * applied its first batch inside the import's transaction. Used by import-jobs.test.ts. Prints the import id first.
 * Arguments: <file> and either `--data-dir <dir>` (embedded) or `--url <postgres url>`.
 */
import { writeSync } from 'node:fs';
import { statSync } from 'node:fs';
import { FundGuard } from '../fundguard.ts';
import { SYSTEM_ACTOR } from '../auth/roles.ts';

const [file, how, where] = process.argv.slice(2);
const fg = await FundGuard.open(how === '--url' ? { url: where } : { dataDir: where });
await fg.importJobs.start('encounters', SYSTEM_ACTOR, { name: 'killed.jsonl', format: 'jsonl', bytes: statSync(file).size }, (id, onProgress) => {
  writeSync(1, `${id}\n`);
  return fg.imports.importEncounters({ path: file, name: 'killed.jsonl', format: 'jsonl' }, SYSTEM_ACTOR, (p) => {
    onProgress(p);
    if (p.phase === 'apply' && (p.applied ?? 0) > 0) process.kill(process.pid, 'SIGKILL');
  }, undefined, { importId: id });
});
await fg.importJobs.idle();
writeSync(2, 'the import ended without being killed\n');
process.exit(3);
