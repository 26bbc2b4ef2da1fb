// The API's edges, generated from its own OpenAPI document so that a new route is covered without editing this file:
// (1) malformed input never answers 5xx and changes nothing (row counts and the audit log's head), and
// (2) hospital A, an integration key bound to A, and insured person X never read, write or replay B's or Y's data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { scratchPglite } from '@fundguard/store/testing.ts';
import { toImportShape } from '@fundguard/core';
import { FundGuard, loadDemoIfEmpty, SYSTEM_ACTOR } from '@fundguard/service';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from './app.ts';

interface Schema { maximum?: number; maxLength?: number; type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; enum?: unknown[]; const?: unknown; format?: string; pattern?: string; minimum?: number; examples?: unknown[]; default?: unknown }
interface Parameter { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema?: Schema }
interface Operation { method: string; path: string; tags: string[]; parameters: Parameter[]; body: Schema | null }

/** Every operation of the OpenAPI document (the console's own routes are hidden from it). */
function operations(app: FastifyInstance): Operation[] {
  const spec = (app as unknown as { swagger: () => { paths: Record<string, Record<string, { tags?: string[]; parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> } }).swagger();
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      out.push({ method: method.toUpperCase(), path, tags: op.tags ?? [], parameters: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema ?? null });
    }
  }
  return out;
}

/** A value the schema accepts, as plain as possible (the base that variants break one field at a time). */
function sample(s: Schema | undefined): unknown {
  if (!s) return 'x';
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.anyOf) return sample(s.anyOf[0]);
  if (s.examples?.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer': case 'number': return s.minimum ?? 1;
    case 'boolean': return false;
    case 'array': return [];
    case 'object': return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties?.[k])]));
    default:
      if (s.format === 'date') return '2024-01-01';
      if (s.pattern?.includes('\\d{4}-')) return '2024-01';
      return 'x';
  }
}

const RAW = Symbol('raw JSON text');
/** A value written into the JSON text as it is (numbers JSON.stringify cannot write, lone surrogates). */
const raw = (text: string) => ({ [RAW]: text });
function toJson(v: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && RAW in x ? `\u0001${marks.push((x as Record<symbol, string>)[RAW]) - 1}\u0001` : x));
  return text.replace(/"\\u0001(\d+)\\u0001"/g, (_m, i) => marks[Number(i)]);
}

const typeOf = (s: Schema | undefined): string | undefined => {
  if (!s) return undefined;
  if (s.anyOf) return typeOf(s.anyOf.find((x) => x.type !== 'null'));
  return Array.isArray(s.type) ? s.type[0] : s.type;
};
const nullable = (s: Schema | undefined) => !!s?.anyOf?.some((x) => x.type === 'null');

/**
 * Malformed values for one field — wrong types, NUL, a lone surrogate, huge numbers, long strings, impossible dates —
 * each with whether the schema must refuse it (a date-like label is still a valid label).
 */
function badValues(s: Schema | undefined): [unknown, boolean][] {
  const type = typeOf(s);
  const wrong: [unknown, boolean][] = [[null, !nullable(s)], [{ nested: true }, type !== 'object'], [[null], type !== 'array']];
  switch (type) {
    case 'integer': case 'number': return [...wrong, ['nope', true], [raw('1e400'), true], [raw('99999999999999999999999999'), s?.maximum !== undefined], [-1.5, type === 'integer' || (s?.minimum ?? -1) >= 0], ['9'.repeat(400), true]];
    case 'boolean': return [...wrong, ['maybe', true], [2, true]];
    case 'array': return [['nope', true], [[null], true], [raw('[' + '1,'.repeat(20_000) + '1]'), true]];
    case 'object': return [['nope', true], [[], true], [42, true]];
    default: {
      const maxLength = (s as { maxLength?: number } | undefined)?.maxLength;
      const dated = s?.format === 'date' || !!s?.pattern?.includes('\\d{4}-');
      return [[12345, true], ...wrong, ['A\u0000B', true], [raw('"A\\ud800B"'), true], ['x'.repeat(100_000), maxLength !== undefined && maxLength < 100_000], ['2024-02-30', dated], ['2024-99', dated], ['   ', false]];
    }
  }
}

/** Path and query values: never a 5xx; those with NUL, a lone surrogate or beyond the field's length must be refused. */
function badUrlValues(s: Schema | undefined): [string, boolean][] {
  const maxLength = (s as { maxLength?: number } | undefined)?.maxLength;
  return [['%00', true], ['A%00B', true], ['%ED%A0%80', true], ['99999999999999999999', false], ['-1', false], ['1e309', false], ['2024-02-30', false], ['2024-99', false], ['nope', false],
    [encodeURIComponent('x'.repeat(5000)), maxLength !== undefined && maxLength < 5000], ['%', false], ['', false]];
}

/** Row counts of every table and the audit log's head, in one round trip (the statement is built once per database). */
const snapshots = new WeakMap<FundGuard, ReturnType<typeof sql>>();
async function snapshot(fg: FundGuard): Promise<string> {
  let q = snapshots.get(fg);
  if (!q) {
    const tables = await fg.database.rows<{ t: string }>(sql`select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`);
    q = sql`select concat_ws(' ', ${sql.join(tables.map(({ t }) => sql`${t} || '=' || (select count(*) from ${sql.identifier(t)})`), sql`, `)},
      'head=' || coalesce((select seq || ':' || hash from audit_log order by seq desc limit 1), '')) as s`;
    snapshots.set(fg, q);
  }
  return (await fg.database.rows<{ s: string }>(q))[0].s;
}

interface World {
  fg: FundGuard;
  app: FastifyInstance;
  admin: string;
  hospitalA: string;
  integrationA: string;
  insuredX: string;
  A: string;
  /** B's identifiers: none may appear in an answer to A */
  b: { medins_id: string; mdtrt_id: string; patn_id: string; case_id: string | null; setl_id: string };
  /** Y's identifiers: none may appear in an answer to X */
  y: { patn_id: string; mdtrt_id: string; setl_id: string };
  x: { patn_id: string };
  close: () => Promise<void>;
}

async function world(): Promise<World> {
  const s = await scratchPglite();
  const fg = new FundGuard(s.database);
  await loadDemoIfEmpty(fg, { encounters: 300, audit: false });
  const run = await fg.runs.start(SYSTEM_ACTOR, { from: '2024-01-01', to: '2025-01-01' }, { wait: true });
  await fg.cases.openFromRun(SYSTEM_ACTOR, run.id);
  const byInstitution = await fg.database.rows<{ medins_id: string; n: number }>(sql`select medins_id, count(*)::int as n from encounters group by 1 order by 2 desc, 1 limit 2`);
  const [A, B] = byInstitution.map((r) => r.medins_id);
  const pick = async (medins: string) => (await fg.database.rows<{ mdtrt_id: string; patn_id: string }>(sql`
    select mdtrt_id, patn_id from encounters e where medins_id = ${medins} and med_mdtrt_type = '2' and not exists (select 1 from encounters o where o.patn_id = e.patn_id and o.medins_id <> ${medins}) order by mdtrt_id limit 1`))[0];
  const encB = await pick(B);
  const encA = await pick(A);
  const settle = async (mdtrt_id: string) => (await fg.settlements.settle(SYSTEM_ACTOR, { idempotency_key: `seed-${mdtrt_id}`, mdtrt_id })).setl_id;
  const setlB = await settle(encB.mdtrt_id);
  const setlA = await settle(encA.mdtrt_id);
  const caseB = (await fg.database.rows<{ id: string }>(sql`select id from cases where medins_id = ${B} order by id limit 1`))[0]?.id ?? null;
  const key = async (role: 'admin' | 'hospital' | 'integration' | 'insured', binding: { institutionId?: string; patnId?: string } = {}) => (await fg.keys.create(SYSTEM_ACTOR, { role, label: `edges-${role}`, ...binding })).key;
  const app = await buildApp({ fg });
  await app.ready();
  void setlA;
  return {
    fg, app, A,
    admin: await key('admin'), hospitalA: await key('hospital', { institutionId: A }), integrationA: await key('integration', { institutionId: A }), insuredX: await key('insured', { patnId: encA.patn_id }),
    b: { medins_id: B, mdtrt_id: encB.mdtrt_id, patn_id: encB.patn_id, case_id: caseB, setl_id: setlB },
    y: { patn_id: encB.patn_id, mdtrt_id: encB.mdtrt_id, setl_id: setlB },
    x: { patn_id: encA.patn_id },
    close: async () => {
      await app.close();
      await s.drop();
    },
  };
}

/** The parts of two snapshots that differ. */
const diff = (a: string, b: string) => b.split(' ').filter((x) => !a.split(' ').includes(x)).join(' ');

const fill = (path: string, values: Record<string, string>) => path.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? 'x');

test('edges: malformed input from every route\'s schema answers 4xx, never 5xx, and changes nothing; hospital, integration and insured callers never see, write or replay another tenant\'s data', { timeout: 900_000 }, async (t) => {
  const w = await world();
  try {
    const ops = operations(w.app);
    assert.ok(ops.length > 40, `the OpenAPI document lists the routes (${ops.length})`);
    const send = (o: InjectOptions) => w.app.inject(o);

    await t.test('malformed requests', async () => {
      const failures: string[] = [];
      let sent = 0;
      // a variant the schema may accept (a date-like label is a valid label) can change data; a refused one never may
      let acceptedWrites = 0;
      const check = async (label: string, o: InjectOptions, op: Operation, mustRefuse: boolean) => {
        const r = await send(o);
        sent++;
        if (r.statusCode >= 500) failures.push(`${label} → ${r.statusCode} ${r.body.slice(0, 200)}`);
        else if (mustRefuse && !op.path.startsWith('/api/v1/fsi') && r.statusCode < 300) failures.push(`${label} → ${r.statusCode}: accepted`);
        // a well-formed request may change data by design: a read of personal data is logged, a failed sign-in is counted
        if (r.statusCode < 300 || (op.path === '/api/v1/auth/login' && [401, 423, 429].includes(r.statusCode))) acceptedWrites++;
      };
      const auth = { authorization: `Bearer ${w.admin}` };
      for (const op of ops) {
        const before = await snapshot(w.fg);
        acceptedWrites = 0;
        await malform(op);
        // fsi calls are logged by design (the call log); every other route's refused requests change nothing
        if (acceptedWrites === 0 && !op.path.startsWith('/api/v1/fsi')) {
          const after = await snapshot(w.fg);
          if (after !== before) failures.push(`${op.method} ${op.path}: refused requests changed data (${diff(before, after)})`);
        }
      }
      async function malform(op: Operation) {
        const pathParams = op.parameters.filter((p) => p.in === 'path');
        const query = op.parameters.filter((p) => p.in === 'query');
        const baseValues = Object.fromEntries(pathParams.map((p) => [p.name, encodeURIComponent(String(sample(p.schema)))]));
        const base = fill(op.path, baseValues);
        const bodyBase = op.body ? sample(op.body) : undefined;
        const json = (payload: string) => ({ headers: { ...auth, 'content-type': 'application/json' }, payload });
        const withBody = op.method === 'GET' || op.method === 'DELETE' ? {} : json(toJson(bodyBase ?? {}));
        for (const p of pathParams) {
          for (const [v, must] of badUrlValues(p.schema)) await check(`${op.method} ${op.path} path ${p.name}=${v.slice(0, 20)}`, { method: op.method as 'GET', url: fill(op.path, { ...baseValues, [p.name]: v }), headers: auth, ...withBody }, op, must);
        }
        for (const p of query) {
          for (const [v, must] of badUrlValues(p.schema)) await check(`${op.method} ${op.path} query ${p.name}=${v.slice(0, 20)}`, { method: op.method as 'GET', url: `${base}?${p.name}=${v}`, headers: auth, ...withBody }, op, must);
          await check(`${op.method} ${op.path} query ${p.name} twice`, { method: op.method as 'GET', url: `${base}?${p.name}=1&${p.name}=2`, headers: auth, ...withBody }, op, false);
        }
        if (op.method === 'GET' || op.method === 'DELETE') return;
        for (const payload of ['{', '[]', 'null', '"x"', '{"a":1}{', '\u0000']) await check(`${op.method} ${op.path} body ${JSON.stringify(payload)}`, { method: op.method as 'POST', url: base, ...json(payload) }, op, op.body !== null);
        const props = op.body?.properties ?? {};
        for (const req of op.body?.required ?? []) {
          const { [req]: _dropped, ...rest } = bodyBase as Record<string, unknown>;
          await check(`${op.method} ${op.path} body without ${req}`, { method: op.method as 'POST', url: base, ...json(toJson(rest)) }, op, true);
        }
        for (const [name, schema] of Object.entries(props)) {
          for (const [v, must] of badValues(schema)) await check(`${op.method} ${op.path} body ${name}=${JSON.stringify(v)?.slice(0, 30)}`, { method: op.method as 'POST', url: base, ...json(toJson({ ...(bodyBase as object), [name]: v })) }, op, must);
        }
        // and random junk in every field, from a fixed seed (bounded)
        if (Object.keys(props).length) {
          const junk = fc.sample(fc.record(Object.fromEntries(Object.keys(props).map((k) => [k, fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), fc.double(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }))]))), { numRuns: 8, seed: 20261202 });
          for (const j of junk) {
            const o = { method: op.method as 'POST', url: base, ...json(toJson(j)) };
            const r = await send(o);
            sent++;
            if (r.statusCode >= 500) failures.push(`${op.method} ${op.path} junk ${JSON.stringify(j).slice(0, 80)} → ${r.statusCode}`);
            if (r.statusCode < 300) acceptedWrites++;
          }
        }
      }
      // uploads take streams (no JSON schema): broken files of each accepted type
      for (const [url, type, body] of [
        ['/api/v1/catalogue', 'text/csv', 'hilist_code,hilist_name\nA\u0000B,x\n'], ['/api/v1/lists', 'text/csv', '\u0000\u0001\u0002'],
        ['/api/v1/encounters', 'application/x-ndjson', `{"mdtrt_id":"Z1","cnt":${'9'.repeat(400)}}\n`], ['/api/v1/encounters', 'application/x-ndjson', '{"mdtrt_id":"A\\u0000B"}\n'],
        ['/api/v1/encounters', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'PK\u0003\u0004 not a workbook'],
        ['/api/v1/catalogue', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ''],
      ] as const) {
        const r = await send({ method: 'POST', url, headers: { ...auth, 'content-type': type }, payload: body });
        sent++;
        if (r.statusCode >= 500 || r.statusCode < 400) failures.push(`POST ${url} (${type}) broken file → ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
      assert.deepEqual(failures, [], `${failures.length} of ${sent} malformed requests were mishandled`);
    });

    await t.test('tenant isolation, over every route of the OpenAPI document', async () => {
      const leaks: string[] = [];
      const callers = [
        { name: 'hospital A', key: w.hospitalA, foreign: [w.b.medins_id, w.b.mdtrt_id, w.b.setl_id, ...(w.b.case_id ? [w.b.case_id] : [])] },
        { name: 'integration key of A', key: w.integrationA, foreign: [w.b.medins_id, w.b.mdtrt_id, w.b.setl_id, ...(w.b.case_id ? [w.b.case_id] : [])] },
        { name: 'insured X', key: w.insuredX, foreign: [w.y.patn_id, w.y.mdtrt_id, w.y.setl_id] },
      ];
      // B's (or Y's) ids wherever a route takes one; the answer must be a refusal, or must not contain any of them
      const ids = (caller: typeof callers[number]): Record<string, string> => ({
        mdtrt_id: w.b.mdtrt_id, setl_id: w.b.setl_id, patn_id: caller.name === 'insured X' ? w.y.patn_id : w.b.patn_id, medins_id: w.b.medins_id, month: '2024-03',
        id: w.b.case_id ?? '1', pack: 'xian-basic', version: '1', region: '610100', hilist_code: 'X', key_id: 'x', username: 'x',
      });
      // reference data anyone with the role may read; B's institution code may appear in it (a name list, not B's data)
      const reference = (op: Operation) => op.tags.some((x) => ['catalogue', 'rule-packs', 'dictionary', 'system'].includes(x));
      for (const caller of callers) {
        const values = ids(caller);
        for (const op of ops) {
          if (op.path.startsWith('/api/v1/fsi')) continue; // the national envelope, checked below
          const url = fill(op.path, Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeURIComponent(v)])));
          const query = op.parameters.filter((p) => p.in === 'query' && ['medins_id', 'patn_id', 'mdtrt_id'].includes(p.name)).map((p) => `${p.name}=${encodeURIComponent(values[p.name])}`).join('&');
          const r = await send({
            method: op.method as 'GET', url: query ? `${url}?${query}` : url, headers: { authorization: `Bearer ${caller.key}`, ...(op.method === 'GET' ? {} : { 'content-type': 'application/json', 'idempotency-key': 'attack-1' }) },
            ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { payload: toJson({ ...(op.body ? (sample(op.body) as object) : {}), mdtrt_id: w.b.mdtrt_id, medins_id: w.b.medins_id, idempotency_key: 'attack-1' }) }),
          });
          if (r.statusCode >= 500) leaks.push(`${caller.name}: ${op.method} ${op.path} → ${r.statusCode}`);
          const tookForeign = /\{(mdtrt_id|setl_id|patn_id|medins_id|id)\}/.test(op.path);
          if (tookForeign && r.statusCode === 403 && !reference(op)) {
            // a role refusal is fine, but another tenant's object must not be told apart from a missing one
            const missing = await send({ method: op.method as 'GET', url: fill(op.path, { ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeURIComponent(v)])), mdtrt_id: 'NO-SUCH', setl_id: 'NO-SUCH', id: 'NO-SUCH', patn_id: 'NO-SUCH', medins_id: 'NO-SUCH' }), headers: { authorization: `Bearer ${caller.key}`, ...(op.method === 'GET' ? {} : { 'content-type': 'application/json' }) }, ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { payload: '{}' }) });
            if (missing.statusCode === 404) leaks.push(`${caller.name}: ${op.method} ${op.path} answers 403 for another tenant's object but 404 for a missing one (ids can be probed)`);
          }
          if (r.statusCode < 300 && !reference(op)) {
            if (op.method !== 'GET' && tookForeign) leaks.push(`${caller.name}: ${op.method} ${op.path} with another tenant's id was accepted (${r.statusCode})`);
            const text = r.body;
            for (const f of caller.foreign) if (text.includes(f)) leaks.push(`${caller.name}: ${op.method} ${op.path}${query ? `?${query}` : ''} → ${r.statusCode} contains ${f}`);
          }
        }
      }
      assert.deepEqual(leaks, []);
    });

    await t.test('writes that take another institution\'s ids: import, 3102, settlement, reversal, replay', async () => {
      const before = await w.fg.ctx.encounters.get(w.b.mdtrt_id);
      const stolen = { ...toImportShape(before!), medins_id: w.A, patn_id: w.x.patn_id, patn_name: '攻击者' };
      const imp = await send({ method: 'POST', url: '/api/v1/encounters', headers: { authorization: `Bearer ${w.hospitalA}`, 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(stolen) + '\n' });
      assert.equal(imp.statusCode, 409, imp.body);
      assert.equal(imp.json().error.issues[0].field, 'mdtrt_id');
      assert.deepEqual(await w.fg.ctx.encounters.get(w.b.mdtrt_id), before, 'the victim\'s encounter is unchanged');
      // an administrator's import may not move it silently either; an explicit correction with a reason may, and is logged
      const silent = await send({ method: 'POST', url: '/api/v1/encounters', headers: { authorization: `Bearer ${w.admin}`, 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(stolen) + '\n' });
      assert.equal(silent.statusCode, 409);
      assert.equal(silent.json().error.issues[0].field, 'medins_id');
      // settlement of B's stored encounter by A: like a missing one; inline with B's id: refused; replay of B's key: a new request of A's
      const settle = await send({ method: 'POST', url: '/api/v1/settlements', headers: { authorization: `Bearer ${w.hospitalA}`, 'idempotency-key': `seed-${w.b.mdtrt_id}` }, payload: { mdtrt_id: w.b.mdtrt_id } });
      assert.equal(settle.statusCode, 404, settle.body);
      const inline = await send({ method: 'POST', url: '/api/v1/settlements', headers: { authorization: `Bearer ${w.integrationA}`, 'idempotency-key': 'inline-1' }, payload: { encounter: stolen } });
      assert.ok([404, 409].includes(inline.statusCode), inline.body);
      assert.ok(!inline.body.includes(w.b.setl_id));
      const reverse = await send({ method: 'POST', url: `/api/v1/settlements/${w.b.setl_id}/reverse`, headers: { authorization: `Bearer ${w.integrationA}`, 'idempotency-key': 'rev-1' }, payload: {} });
      assert.equal(reverse.statusCode, 404);
      assert.equal((await w.fg.settlements.get(SYSTEM_ACTOR, w.b.setl_id)).status, 'settled');
      const acc = await send({ url: `/api/v1/accumulators/${w.b.patn_id}?year=2024`, headers: { authorization: `Bearer ${w.integrationA}` } });
      assert.equal(acc.statusCode, 403);
      // 3102 by A's key with B's mdtrt_id (A's medins_id): refused in the national envelope, B's encounter unchanged
      const envelope = JSON.parse(readFileSync(new URL('../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
      envelope.infno = '3102';
      envelope.msgid = `${w.A}-HIJACK-1`;
      const patient = envelope.input.data.patient_dtos[0];
      patient.patn_id = w.x.patn_id;
      patient.curr_mdtrt_id = w.b.mdtrt_id;
      for (const e of patient.fsi_encounter_dtos) Object.assign(e, { mdtrt_id: w.b.mdtrt_id, medins_id: w.A });
      patient.fsi_encounter_dtos = patient.fsi_encounter_dtos.slice(0, 1);
      const hijack = await send({ method: 'POST', url: '/api/v1/fsi/3102', headers: { authorization: `Bearer ${w.integrationA}`, 'content-type': 'application/json' }, payload: envelope });
      assert.ok(hijack.statusCode < 500, hijack.body);
      assert.notEqual(hijack.json().infcode, 0, hijack.body);
      assert.deepEqual(await w.fg.ctx.encounters.get(w.b.mdtrt_id), before, 'a 3102 never takes another institution\'s encounter');
    });
  } finally {
    await w.close();
  }
});
