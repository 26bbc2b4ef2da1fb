import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard } from '../fundguard.ts';
import { SecretBox } from './secret-box.ts';

const clock = () => new Date('2026-11-23T08:00:00Z');
const admin = { id: 'admin', role: 'admin' as const };

testBothBackends('upgrade: a log written before keying gets a keyed marker, verifies, and is anchored to a file; rotation of the server secret is marked too', async (db) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-chain-'));
  const anchorFile = join(dir, 'audit-anchors.jsonl');
  try {
    const before = new FundGuard(db, { clock });
    await before.keys.createUser(admin, { username: 'u1', password: 'correct horse', role: 'auditor' });
    const upgraded = new FundGuard(db, { clock, secrets: new SecretBox('server-secret-one'), anchorFile });
    assert.equal(await upgraded.auditChain.ensureKeyed(), 'keyed');
    assert.equal(await upgraded.auditChain.ensureKeyed(), null, 'once');
    const marker = (await upgraded.ctx.auditLog.list()).at(-1)!;
    assert.equal(marker.action, 'audit.chain_keyed');
    assert.deepEqual(marker.detail, { key_id: upgraded.ctx.auditLog.currentKeyId, previous_key_id: null, unkeyed_before: 1 });
    const anchor = (await upgraded.auditChain.writeAnchor())!;
    assert.equal(anchor.seq, 2);
    assert.equal(await upgraded.auditChain.writeAnchor(), null, 'no new anchor while the head has not moved');
    const v = await upgraded.auditChain.verify();
    assert.deepEqual(v, { ok: true, entries: 2, head: marker.hash, keyedFrom: 2, anchor: { seq: 2, at: '2026-11-23T08:00:00.000Z' } });
    // A torn last line (crash while writing) does not hide the anchor before it.
    writeFileSync(anchorFile, readFileSync(anchorFile, 'utf8') + '{"seq": 3, "ha');
    assert.equal(upgraded.auditChain.latestAnchor()!.seq, 2);
    const rotated = new FundGuard(db, { clock, secrets: new SecretBox('server-secret-two', ['server-secret-one']), anchorFile });
    assert.equal(await rotated.auditChain.ensureKeyed(), 'rotated');
    assert.equal((await rotated.auditChain.verify()).ok, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
