import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';
import { readiness } from './readiness.ts';

test('/healthz always answers; /readyz answers 503 with the reason and progress until ready, then 200', async () => {
  const fg = await FundGuard.open({});
  const app = await buildApp({ fg });
  try {
    readiness.notReady('loading demo data', 'loading demo data: encounters 200/20000', 6);
    const health = await app.inject('/healthz');
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().phase, 'loading demo data');
    const loading = await app.inject('/readyz');
    assert.equal(loading.statusCode, 503);
    assert.equal(loading.headers['retry-after'], '1');
    assert.deepEqual([loading.json().phase, loading.json().reason, loading.json().progress], ['loading demo data', 'loading demo data: encounters 200/20000', 6]);
    readiness.ready();
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  } finally {
    readiness.ready();
    await app.close();
    await fg.close();
  }
});
