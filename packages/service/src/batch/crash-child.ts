/** Child process for the crash test: runs (or resumes) batch run 1 on an embedded data dir, printing each chunk. */
import { openDatabase } from '@fundguard/store';
import { ServiceContext } from '../context.ts';
import { BatchAuditService } from './batch-audit.ts';
import { over500 } from './test-fixtures.ts';

const db = await openDatabase({ dataDir: process.argv[2] });
const svc = new BatchAuditService(new ServiceContext(db));
await svc.execute(1, over500, { onChunk: (s) => process.stdout.write(`chunk ${s.done_chunks}/${s.total_chunks}\n`) });
await db.close();
process.stdout.write('finished\n');
