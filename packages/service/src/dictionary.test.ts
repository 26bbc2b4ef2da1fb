import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { generate } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from './context.ts';
import { DictionaryService } from './dictionary.ts';
import { DashboardService } from './dashboard.ts';

const auditor = { id: 'aud1', role: 'auditor' as const };
const records = [...generate({ encounters: 400, seed: 'dictionary', from: '2024-01-01', to: '2024-03-10' })].map((g) => g.record);

testBothBackends('dictionary names institutions, departments and diagnoses from stored data; dashboard fund use by settlement month with partial months; shares of 丙类 and own-pay lines', async (db) => {
  const ctx = new ServiceContext(db, () => new Date('2024-04-01T01:00:00Z'));
  await db.transaction((tx) => ctx.encounters.replaceMany(tx, records, { importId: null, source: 'test' }));
  const dict = new DictionaryService(ctx);

  const d = await dict.get(auditor);
  const e = records[0].encounter;
  assert.equal(d.institutions?.[e.medins_id], e.medins_name, 'institution name from the encounters');
  if (e.adm_dept_name) assert.equal(d.departments?.[e.adm_dept_codg], e.adm_dept_name);
  assert.equal(d.diagnoses?.['C16.900'], '胃恶性肿瘤', 'a diagnosis named by the code table');
  assert.equal(d.regions?.['*'], '全部统筹区');
  assert.deepEqual(d.codes?.insutype['310'], ['职工基本医疗保险', 'employee basic medical insurance']);
  assert.equal(d.doctors, undefined, 'doctors only when asked for');
  assert.deepEqual(Object.keys(await dict.get(auditor, ['regions'])), ['regions']);
  await assert.rejects(dict.get({ id: 'x', role: 'integration' }, ['regions']), /may not read the dictionary/);
  await assert.rejects(dict.get(auditor, ['nonsense' as never]), /kinds: any of/);

  const dash = new DashboardService(ctx);
  const s = await dash.summary(auditor, { fresh: true });
  // Every month with encounters has fund use (by settlement month, else admission), and the data's last month
  // (ending on the 10th, plus settlements after it) is marked partial.
  assert.ok(s.by_month.length >= 3);
  for (const m of s.by_month) if (m.encounters > 0) assert.ok(m.hifp_pay > 0, `${m.month} has fund use`);
  assert.ok(s.by_month.at(-1)!.partial, 'the last month is partial');
  assert.ok(!s.by_month[0].partial, 'the first month starts on the 1st');

  // Half of one institution's lines become 丙类 and own-pay: both shares follow, the limit flags it.
  const m0 = e.medins_id;
  await db.rows(sql`update order_lines set hilist_lv = '03', ownpay_amt = sumamt where seq % 2 = 0 and mdtrt_id in (select mdtrt_id from encounters where medins_id = ${m0})`);
  const [{ total, half }] = await db.rows<{ total: number; half: number }>(sql`select sum(sumamt)::float8 as total, sum(sumamt) filter (where seq % 2 = 0)::float8 as half
    from order_lines where mdtrt_id in (select mdtrt_id from encounters where medins_id = ${m0})`);
  const row = (await dash.summary(auditor, { fresh: true })).agreement.find((r) => r.medins_id === m0)!;
  assert.ok(Math.abs(row.class_c_share! - half / total) < 1e-9, `丙类 share ${row.class_c_share} = ${half / total}`);
  assert.ok(row.ownpay_share! >= row.class_c_share! - 1e-9, 'own-pay covers the 丙类 lines');
  assert.equal(row.over_limit, row.class_c_share! > 0.15);
}, { timeout: 180_000 });
