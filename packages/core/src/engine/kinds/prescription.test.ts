import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const p = pack([{ kind: 'prescription', category: 'PRESCRIPTION', items: ['*'], params: { max_days: 7, max_drugs: 5, max_herbs: 15, max_doses: 5 } }]);
const outpatient = (lines: Parameters<typeof enc>[0]['lines']) => run(p, [enc({ type: '1', lines })]);

test('prescription max_days: 7 days is fine; 8 days flags (8 − 7) / 8 of the full line', () => {
  assert.deepEqual(outpatient([{ code: 'D', rxno: 'P', days: 7, pric: 80 }]), []);
  assert.deepEqual(flagged(outpatient([{ code: 'D', rxno: 'P', days: 8, pric: 80, rx: 'a' }])), { a: 1000 });
  assert.deepEqual(outpatient([{ code: 'D', rxno: 'P', pric: 80 }]), [], 'no ext_days: nothing to check');
});

test('prescription max_drugs: 5 distinct drugs fine; the sixth and later codes in input order are flagged', () => {
  const drugs = (n: number) => Array.from({ length: n }, (_, i) => ({ code: `D${i + 1}`, rxno: 'P', rx: `d${i + 1}`, pric: 10 + i }));
  assert.deepEqual(outpatient([...drugs(5), { code: 'D1', rxno: 'P', rx: 'again' }]), [], 'a repeated code is not another drug');
  assert.deepEqual(flagged(outpatient(drugs(7))), { d6: 1500, d7: 1600 });
  const split = [...drugs(3).map((l) => ({ ...l, rxno: 'P1' })), ...drugs(3).map((l) => ({ ...l, rxno: 'P2', rx: `${l.rx}b` }))];
  assert.deepEqual(outpatient(split), [], 'counted per prescription');
});

test('prescription herbs: 15 distinct herbs fine, 16 flags the 16th; 5 doses fine, 6 doses flags 1/6', () => {
  const herbs = (n: number) => Array.from({ length: n }, (_, i) => ({ code: `H${i + 1}`, type: '102', rxno: 'C', rx: `h${i + 1}`, pric: 6 }));
  assert.deepEqual(outpatient(herbs(15)), []);
  assert.deepEqual(flagged(outpatient(herbs(16))), { h16: 600 });
  assert.deepEqual(outpatient([{ code: 'H1', type: '102', rxno: 'C', doses: 5, pric: 60 }]), []);
  assert.deepEqual(flagged(outpatient([{ code: 'H1', type: '102', rxno: 'C', doses: 6, pric: 60, rx: 'a' }])), { a: 1000 });
});

test('prescription: earlier (non-current) lines of the same rxno count; only current lines are flagged', () => {
  const lines = [
    ...Array.from({ length: 5 }, (_, i) => ({ code: `D${i + 1}`, rxno: 'P', current: false })),
    { code: 'D6', rxno: 'P', rx: 'new', pric: 30 },
  ];
  assert.deepEqual(flagged(outpatient(lines)), { new: 3000 });
});
