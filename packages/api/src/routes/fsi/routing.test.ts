import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from '../../app.ts';

const NOW = new Date('2026-11-23T08:00:00.123Z');

/** A stub national platform on loopback: records what arrives, answers by path. */
async function stubUpstream(): Promise<{ url: string; seen: { url: string; headers: IncomingMessage['headers']; body: Buffer }[]; close: () => Promise<void> }> {
  const seen: { url: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url?.endsWith('/2207')) {
        setTimeout(() => res.end('{"infcode":0}'), 2000).unref();
        return;
      }
      if (req.url?.endsWith('/5301')) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('国家平台内部错误');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"infcode":0,"output":{"from":"national", "echo":' + JSON.stringify(req.url) + '}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/fsi/api`, seen, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

testBothBackends('routing: unknown URLs under /api/v1/fsi answer 404 in the national envelope; other routes 404 as usual; without upstream an unknown infno is 400', async (db) => {
  const fg = new FundGuard(db, { clock: () => NOW, secrets: new SecretBox('k') });
  const his = await fg.keys.create({ id: 'admin', role: 'admin' }, { role: 'integration', institutionId: 'H1' });
  const app = await buildApp({ fg });
  try {
    for (const url of ['/api/v1/fsi3101', '/api/v1/fsi/3101/extra', '/api/v1/fsi3101?x=1']) {
      const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${his.key}` }, payload: { infno: '3101', msgid: 'M9', input: { data: {} } } });
      assert.equal(r.statusCode, 404, url);
      const b = r.json();
      assert.equal(b.infcode, -1);
      assert.equal(typeof b.infcode, 'number');
      assert.equal(b.inf_refmsgid, 'M9');
      assert.match(b.err_msg, /\/api\/v1\/fsi\//);
      assert.match(b.err_msg, new RegExp(`地址 ${url.split('?')[0].replace(/\//g, '\\/')} 不存在`));
      assert.deepEqual(b.output, {});
    }
    // other unknown routes keep the management API's 404 (no national envelope)
    const other = await app.inject({ method: 'POST', url: '/api/v1/nope', headers: { authorization: `Bearer ${his.key}` }, payload: {} });
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().infcode, undefined);
    const get = await app.inject({ method: 'GET', url: '/api/v1/fsi3101', headers: { authorization: `Bearer ${his.key}` } });
    assert.equal(get.statusCode, 404);
    assert.equal(get.json().infcode, undefined);
    // the served URLs are untouched
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', headers: { authorization: `Bearer ${his.key}` }, payload: {} })).json().infcode, 0);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/fsi', headers: { authorization: `Bearer ${his.key}` }, payload: { infno: '9001' } })).json().infcode, 0);
    const unsupported = await app.inject({ method: 'POST', url: '/api/v1/fsi/1101', headers: { authorization: `Bearer ${his.key}` }, payload: { infno: '1101', input: { data: {} } } });
    assert.equal(unsupported.statusCode, 400);
    assert.equal(unsupported.json().err_msg, '不支持的交易 1101');
  } finally {
    await app.close();
  }
});

testBothBackends('routing: with FUNDGUARD_FSI_UPSTREAM other transactions (and 9001) are forwarded unchanged with their auth headers; failures and timeouts answer 502/504 in the envelope', async (db) => {
  const stub = await stubUpstream();
  const fg = new FundGuard(db, { clock: () => NOW, secrets: new SecretBox('k') });
  const his = await fg.keys.create({ id: 'admin', role: 'admin' }, { role: 'integration', institutionId: 'H1' });
  process.env.FUNDGUARD_FSI_UPSTREAM = `${stub.url}/`;
  process.env.FUNDGUARD_FSI_UPSTREAM_TIMEOUT_MS = '300';
  const app = await buildApp({ fg });
  delete process.env.FUNDGUARD_FSI_UPSTREAM;
  delete process.env.FUNDGUARD_FSI_UPSTREAM_TIMEOUT_MS;
  const ts = String(Math.floor(NOW.getTime() / 1000));
  const secret = his.key.split('_').slice(2).join('_');
  let n = 0;
  const tif = () => {
    const nonce = `n${++n}`;
    return { 'x-tif-paasid': his.info.key_id, 'x-tif-timestamp': ts, 'x-tif-nonce': nonce, 'x-tif-signature': createHash('sha256').update(`${ts}${secret}${nonce}${ts}`).digest('hex') };
  };
  try {
    // body bytes as received (spacing, key order, Chinese text), x-tif headers as received, path suffix kept
    const raw = '{ "infno":"1101", "msgid":"M1",\n "input":{"data":{"psn_no":"61000006000000000010866022","名":"张三"}} }';
    const headers = tif();
    const r = await app.inject({ method: 'POST', url: '/api/v1/fsi/1101', headers: { ...headers, 'content-type': 'application/json' }, payload: raw });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.body, '{"infcode":0,"output":{"from":"national", "echo":"/fsi/api/1101"}}', 'the answer bytes unchanged');
    assert.equal(stub.seen.length, 1);
    assert.equal(stub.seen[0].url, '/fsi/api/1101');
    assert.equal(stub.seen[0].body.toString('utf8'), raw);
    for (const [k, v] of Object.entries(headers)) assert.equal(stub.seen[0].headers[k], v, k);
    assert.equal(stub.seen[0].headers.authorization, undefined, 'FundGuard credentials are not passed on');

    // infno in the body at the bare URL: forwarded to the bare upstream URL; 9001 goes upstream too
    const bare = await app.inject({ method: 'POST', url: '/api/v1/fsi', headers: { ...tif(), 'content-type': 'application/json' }, payload: '{"infno":"9001","input":{}}' });
    assert.equal(bare.statusCode, 200);
    assert.equal(stub.seen[1].url, '/fsi/api');
    assert.equal(stub.seen[1].body.toString(), '{"infno":"9001","input":{}}');

    // the upstream's error status and body come back unchanged
    const e500 = await app.inject({ method: 'POST', url: '/api/v1/fsi/5301', headers: { apikey: his.key, 'content-type': 'application/json' }, payload: '{"infno":"5301"}' });
    assert.equal(e500.statusCode, 500);
    assert.equal(e500.body, '国家平台内部错误');
    assert.equal(stub.seen[2].headers.apikey, his.key);

    // forwarded calls need FundGuard authentication like audit calls
    const anon = await app.inject({ method: 'POST', url: '/api/v1/fsi/1101', payload: { infno: '1101' } });
    assert.equal(anon.statusCode, 401);
    assert.equal(anon.json().infcode, -1);
    assert.equal(stub.seen.length, 3, 'nothing forwarded without authentication');

    // timeout below the HIS's 10 s → 504 in the envelope
    const t0 = Date.now();
    const slow = await app.inject({ method: 'POST', url: '/api/v1/fsi/2207', headers: { authorization: `Bearer ${his.key}` }, payload: { infno: '2207', msgid: 'M7' } });
    assert.ok(Date.now() - t0 < 1900, 'gave up at the timeout, not when the upstream answered');
    assert.equal(slow.statusCode, 504);
    assert.deepEqual([slow.json().infcode, slow.json().inf_refmsgid], [-1, 'M7']);
    assert.match(slow.json().err_msg, /300 ms 内未应答/);

    // 3101 is still ours
    const own = await app.inject({ method: 'POST', url: '/api/v1/fsi/3103', headers: { authorization: `Bearer ${his.key}` }, payload: { input: { data: { warn_type: '1', warns: [{ warn_rslt_id: 'nope', dspo_way: '2' }] } } } });
    assert.equal(own.json().infcode, -1);
    assert.equal(stub.seen.length, 4, '3103 not forwarded');

    // the call log has the forwarded calls with their status, without bodies
    await fg.ctx.realtime.flush();
    const logged = await db.rows<{ infno: string; infcode: number; envelope: Record<string, unknown> }>(sqlCalls);
    const fwd = logged.filter((c) => c.infno === '1101');
    assert.equal(fwd.length, 1);
    assert.deepEqual(fwd[0].envelope.forwarded, { status: 200 });
    assert.equal(fwd[0].envelope.input, undefined);
    assert.equal(logged.find((c) => c.infno === '2207')?.infcode, -1);
  } finally {
    await app.close();
    await stub.close();
  }
  // upstream unreachable → 502 in the envelope
  process.env.FUNDGUARD_FSI_UPSTREAM = 'http://127.0.0.1:9/';
  const app2 = await buildApp({ fg });
  delete process.env.FUNDGUARD_FSI_UPSTREAM;
  try {
    const r = await app2.inject({ method: 'POST', url: '/api/v1/fsi/1101', headers: { authorization: `Bearer ${his.key}` }, payload: { infno: '1101' } });
    assert.equal(r.statusCode, 502);
    assert.equal(r.json().infcode, -1);
    assert.match(r.json().err_msg, /上游国家平台不可达/);
  } finally {
    await app2.close();
  }
});

const sqlCalls = sql`select infno, infcode, envelope from fsi_calls order by id`;
