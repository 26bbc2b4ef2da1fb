import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from './server.ts';

test('start-up on PostgreSQL without FUNDGUARD_SECRET_KEY stops with an error naming the variable and how to make one', async () => {
  const saved = process.env.FUNDGUARD_SECRET_KEY;
  delete process.env.FUNDGUARD_SECRET_KEY;
  try {
    await assert.rejects(
      startServer({ port: 0, host: '127.0.0.1', databaseUrl: 'postgres://nobody@127.0.0.1:1/none', dataDir: 'unused', demo: false, lead: true }),
      (e: Error & { code?: string }) => e.code === 'E_CONFIG_INVALID' && /FUNDGUARD_SECRET_KEY/.test(e.message) && /openssl rand/.test(e.message),
    );
  } finally {
    if (saved !== undefined) process.env.FUNDGUARD_SECRET_KEY = saved;
  }
});

test('start-up: the audit chain is anchored to the data dir, a crashed process\'s local CLI key is revoked, /docs is off outside demo mode', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-server-'));
  const saved = { key: process.env.FUNDGUARD_SECRET_KEY, level: process.env.LOG_LEVEL };
  delete process.env.FUNDGUARD_SECRET_KEY;
  process.env.LOG_LEVEL = 'silent';
  const config = { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), demo: false, adminKey: 'server-test-admin-key-1', lead: true };
  try {
    const first = await startServer(config);
    let leftover: string;
    try {
      assert.ok(existsSync(join(dir, 'data', 'secret.key')), 'embedded: a key file in the data dir');
      const anchors = readFileSync(join(dir, 'data', 'audit-anchors.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(anchors.length, 1);
      assert.equal(anchors[0].seq, 1, 'the admin key\'s creation, anchored at start');
      assert.equal((await fetch(`${first.url}/docs`)).status, 404);
      // As if the process had crashed: a local key that is never expired.
      leftover = (await first.fg.keys.issueLocalKey(24)).key;
    } finally {
      await first.stop();
    }
    const second = await startServer(config);
    try {
      assert.equal(await second.fg.keys.authenticate(leftover), null, 'revoked at the next start');
      const v = await second.fg.auditChain.verify();
      assert.equal(v.ok, true);
      assert.ok(v.ok && v.anchor && v.anchor.seq >= 1);
    } finally {
      await second.stop();
    }
  } finally {
    if (saved.key !== undefined) process.env.FUNDGUARD_SECRET_KEY = saved.key;
    if (saved.level !== undefined) process.env.LOG_LEVEL = saved.level;
    else delete process.env.LOG_LEVEL;
    rmSync(dir, { recursive: true, force: true });
  }
});
