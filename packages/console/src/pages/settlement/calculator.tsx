import { useEffect, useState } from 'react';
import { Alert, AutoComplete, Button, Checkbox, Col, Descriptions, Input, InputNumber, Row, Segmented, Select, Space, Table, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useNames } from '../../dictionary.ts';
import { Failure } from '../../components/Failure.tsx';
import { DayPicker } from '../../components/Dates.tsx';
import { fenToYuan, yuan } from '../../format.ts';
import { SettlementOutput, usePolicyLabel, type PolicySet, type SettlementResult } from './index.tsx';

interface Line { key: number; hilist_code: string; hilist_name: string; hilist_lv: string; cnt: number; pric: number }
interface Found { mdtrt_id: string; medins_id: string; medins_name: string; adm_date: string; dscg_main_dise_name: string; lines_sumamt: number }
type Mode = 'lines' | 'stored' | 'json';

const EXAMPLE: Omit<Line, 'key'>[] = [
  { hilist_code: '110900001', hilist_name: '', hilist_lv: '01', cnt: 5, pric: 50 },
  { hilist_code: 'XB05AAR014B002010104321', hilist_name: '', hilist_lv: '02', cnt: 10, pric: 120 },
  { hilist_code: '250101001', hilist_name: '', hilist_lv: '01', cnt: 1, pric: 1150 },
];
const round2 = (v: number) => Math.round(v * 100) / 100;
const today = () => new Date().toISOString().slice(0, 10);
let nextKey = 1;

/**
 * 结算试算 as a form: pick a stored encounter, or enter lines with the catalogue's names and classes looked up by code;
 * the raw request (national field names, JSON) only under 高级.
 */
export function Calculator() {
  const { t } = useTranslation();
  const names = useNames();
  const policyLabel = usePolicyLabel();
  const sets = useApi(() => api.get<{ items: PolicySet[] }>('/api/v1/policy-sets'), []);
  const [setId, setSetId] = useState<number | null>(null);
  const [mode, setMode] = useState<Mode>('lines');
  const [head, setHead] = useState({ medins_lv: '05', med_mdtrt_type: '2', insutype: '310', adm_date: '2024-05-01' });
  const [lines, setLines] = useState<Line[]>(() => EXAMPLE.map((l) => ({ ...l, key: nextKey++ })));
  const [stored, setStored] = useState<Record<string, unknown> | null>(null);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found[]>([]);
  const [retiree, setRetiree] = useState(false);
  const [acc, setAcc] = useState<{ admissions: number; deductible_met: number; fund_paid: number }>({ admissions: 0, deductible_met: 0, fund_paid: 0 });
  const [json, setJson] = useState('');
  const [out, setOut] = useState<SettlementResult | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const items = sets.data?.items ?? [];
  const chosen = items.find((s) => s.id === setId) ?? items.find((s) => s.region === '610100' && s.insutype === '310' && /inpatient|住院/.test(s.scenario)) ?? items[0];

  // Names and classes of the example lines from the catalogue.
  useEffect(() => {
    for (const l of lines) if (l.hilist_code && !l.hilist_name) void lookup(l.key, l.hilist_code);
  }, []);
  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) return setFound([]);
    const h = setTimeout(() => api.get<{ items: Found[] }>('/api/v1/encounter-search', { q, limit: 10 }).then((r) => setFound(r.items), () => setFound([])), 250);
    return () => clearTimeout(h);
  }, [query]);

  async function lookup(key: number, code: string) {
    try {
      const c = await api.get<{ hilist_name: string; hilist_lv: string }>(`/api/v1/catalogue/${encodeURIComponent(code.trim())}`, { date: head.adm_date });
      setLines((ls) => ls.map((l) => (l.key === key ? { ...l, hilist_name: c.hilist_name, hilist_lv: c.hilist_lv || l.hilist_lv } : l)));
    } catch {
      setLines((ls) => ls.map((l) => (l.key === key ? { ...l, hilist_name: '' } : l)));
    }
  }
  const patch = (key: number, p: Partial<Line>) => setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...p } : l)));
  const entered = () => ({
    mdtrt_id: 'TRIAL-1', medins_id: 'TRIAL', ...head,
    fsi_order_dtos: lines.filter((l) => l.hilist_code.trim()).map((l, i) => ({ rx_id: String(i + 1), hilist_code: l.hilist_code.trim(), hilist_name: l.hilist_name, hilist_lv: l.hilist_lv, cnt: l.cnt, pric: l.pric, sumamt: round2(l.cnt * l.pric) })),
  });
  const body = () => ({ policy: chosen?.body, encounter: mode === 'stored' ? stored : entered(), person: { retiree }, accumulators: acc });

  const calc = async () => {
    setErr(null);
    let req: unknown;
    if (mode === 'json') {
      try {
        req = JSON.parse(json);
      } catch (e) {
        setErr(t('settlement.invalidJson', { detail: (e as Error).message }));
        return;
      }
    } else req = body();
    try {
      setOut(await api.post<SettlementResult>('/api/v1/settlement/calculate', req));
    } catch (e) {
      setOut(null);
      setErr((e as Error).message);
    }
  };
  const switchMode = (m: Mode) => {
    if (m === 'json') setJson(JSON.stringify(body(), null, 2));
    setMode(m);
  };
  const total = lines.reduce((s, l) => s + round2(l.cnt * l.pric), 0);
  if (sets.error) return <Failure error={sets.error} />;
  return (
    <Row gutter={16}>
      <Col xs={24} xxl={14}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <span>{t('settlement.policy')}</span>
          <Select style={{ width: '100%' }} value={chosen?.id} onChange={setSetId} loading={sets.loading} data-testid="policy-select" options={items.map((s) => ({ value: s.id, label: policyLabel(s) }))} />
          <Segmented<Mode> value={mode} onChange={switchMode} data-testid="calc-mode"
            options={[{ value: 'lines', label: t('settlement.modeLines') }, { value: 'stored', label: t('settlement.modeStored') }, { value: 'json', label: t('settlement.modeJson') }]} />
          {mode === 'lines' ? (
            <>
              <Space wrap>
                <span>{t('settlement.medinsLv')}</span>
                <Select style={{ width: 130 }} value={head.medins_lv} onChange={(v) => setHead({ ...head, medins_lv: v })} options={['01', '02', '03', '05', '06', '08', '09'].map((v) => ({ value: v, label: names.code('medins_lv', v) }))} />
                <Select style={{ width: 100 }} value={head.med_mdtrt_type} onChange={(v) => setHead({ ...head, med_mdtrt_type: v })} options={['1', '2'].map((v) => ({ value: v, label: names.code('med_mdtrt_type', v) }))} />
                <Select style={{ width: 200 }} value={head.insutype} onChange={(v) => setHead({ ...head, insutype: v })} options={['310', '390'].map((v) => ({ value: v, label: names.code('insutype', v) }))} />
                <span>{t('encounter.adm')}</span><DayPicker value={head.adm_date} onChange={(d) => setHead({ ...head, adm_date: d ?? today() })} />
              </Space>
              <Table<Line> size="small" rowKey="key" dataSource={lines} pagination={false} data-testid="calc-lines"
                footer={() => <Space><Button size="small" icon={<PlusOutlined />} onClick={() => setLines([...lines, { key: nextKey++, hilist_code: '', hilist_name: '', hilist_lv: '01', cnt: 1, pric: 0 }])} data-testid="calc-add-line">{t('settlement.addLine')}</Button><span>{t('settlement.total')} {yuan(total)}</span></Space>}
                columns={[
                  { title: t('encounter.code'), width: 210, render: (_, l) => <Input size="small" value={l.hilist_code} placeholder={t('settlement.codeHint')} onChange={(e) => patch(l.key, { hilist_code: e.target.value, hilist_name: '' })} onBlur={() => l.hilist_code.trim() && lookup(l.key, l.hilist_code)} /> },
                  { title: t('encounter.item'), render: (_, l) => l.hilist_name || <Typography.Text type="secondary">{l.hilist_code ? t('settlement.notInCatalogue') : '—'}</Typography.Text> },
                  { title: t('settlement.class'), width: 110, render: (_, l) => <Select size="small" style={{ width: 100 }} value={l.hilist_lv} onChange={(v) => patch(l.key, { hilist_lv: v })} options={['01', '02', '03'].map((v) => ({ value: v, label: names.code('hilist_lv', v) }))} /> },
                  { title: t('encounter.qty'), width: 80, render: (_, l) => <InputNumber size="small" min={0} style={{ width: 70 }} value={l.cnt} onChange={(v) => patch(l.key, { cnt: v ?? 0 })} /> },
                  { title: t('settlement.priceYuan'), width: 110, render: (_, l) => <InputNumber size="small" min={0} step={0.01} style={{ width: 100 }} value={l.pric} onChange={(v) => patch(l.key, { pric: v ?? 0 })} /> },
                  { title: t('encounter.sum'), align: 'right', render: (_, l) => yuan(round2(l.cnt * l.pric)) },
                  { title: '', width: 40, render: (_, l) => <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('settlement.removeLine')} onClick={() => setLines(lines.filter((x) => x.key !== l.key))} /> },
                ]} />
            </>
          ) : mode === 'stored' ? (
            <>
              <AutoComplete style={{ width: '100%' }} value={query} onChange={setQuery} placeholder={t('encounter.searchHint')} data-testid="calc-encounter"
                options={found.map((f) => ({ value: f.mdtrt_id, label: `${f.mdtrt_id} · ${f.medins_name || names.institution(f.medins_id)} · ${f.adm_date}${f.dscg_main_dise_name ? ' · ' + f.dscg_main_dise_name : ''} · ${fenToYuan(f.lines_sumamt)}` }))}
                onSelect={(id: string) => api.get<Record<string, unknown>>(`/api/v1/encounters/${encodeURIComponent(id)}`).then(setStored, (e: Error) => setErr(e.message))} />
              {stored ? (
                <Descriptions size="small" bordered column={2} items={[
                  { label: t('encounter.lookup'), children: String(stored.mdtrt_id) },
                  { label: t('encounter.medins'), children: String(stored.medins_name || names.institution(String(stored.medins_id))) },
                  { label: t('encounter.adm'), children: String(stored.adm_date ?? '') },
                  { label: t('encounter.lines'), children: String((stored.fsi_order_dtos as unknown[] | undefined)?.length ?? 0) },
                ]} />
              ) : <Typography.Text type="secondary">{t('settlement.pickEncounter')}</Typography.Text>}
            </>
          ) : (
            <>
              <Typography.Text type="secondary">{t('settlement.jsonHelp')}</Typography.Text>
              <Input.TextArea rows={18} value={json} onChange={(e) => setJson(e.target.value)} style={{ fontFamily: 'monospace', fontSize: 12 }} data-testid="calc-json" />
            </>
          )}
          {mode !== 'json' ? (
            <Space wrap>
              <Checkbox checked={retiree} onChange={(e) => setRetiree(e.target.checked)}>{t('settlement.retiree')}</Checkbox>
              <InputNumber addonBefore={t('settlement.admissionsYtd')} min={0} style={{ width: 190 }} value={acc.admissions} onChange={(v) => setAcc({ ...acc, admissions: v ?? 0 })} />
              <InputNumber addonBefore={t('settlement.deductibleYtd')} min={0} step={0.01} style={{ width: 230 }} value={acc.deductible_met} onChange={(v) => setAcc({ ...acc, deductible_met: v ?? 0 })} />
              <InputNumber addonBefore={t('settlement.fundYtd')} min={0} step={0.01} style={{ width: 230 }} value={acc.fund_paid} onChange={(v) => setAcc({ ...acc, fund_paid: v ?? 0 })} />
            </Space>
          ) : null}
          <Button type="primary" onClick={calc} data-testid="settle" disabled={!chosen || (mode === 'stored' && !stored)}>{t('settlement.calculate')}</Button>
          {err ? <Alert type="error" showIcon title={err} data-testid="calc-error" /> : null}
        </Space>
      </Col>
      <Col xs={24} xxl={10}>{out ? <SettlementOutput out={out} /> : null}</Col>
    </Row>
  );
}
