import { useState } from 'react';
import { Alert, Button, Card, Col, Descriptions, Input, Row, Select, Space, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { Failure } from '../../components/Failure.tsx';
import { yuan } from '../../format.ts';

interface PolicySet { id: string; region: string; file: string; policy: Record<string, unknown> }
interface TraceStep { step: number; name: string; value: number; detail: string }
type Output = Record<string, unknown> & { trace: TraceStep[] };

const EXAMPLE_ENCOUNTER = {
  mdtrt_id: 'ZY-DEMO-1', medins_id: 'H61010000001', medins_lv: '05', adm_date: '2024-05-01', med_mdtrt_type: '2', insutype: '310',
  fsi_order_dtos: [
    { rx_id: '1', hilist_code: '110900001', hilist_lv: '01', cnt: 5, pric: 50, sumamt: 250 },
    { rx_id: '2', hilist_code: 'XB05AAR014B002010104321', hilist_lv: '02', cnt: 10, pric: 120, sumamt: 1200 },
    { rx_id: '3', hilist_code: '250101001', hilist_lv: '01', cnt: 1, pric: 1150, sumamt: 1150 },
  ],
};
const pretty = (v: unknown) => JSON.stringify(v, null, 2);

/** POST /api/v1/settlement/calculate: a policy set, an encounter (yuan), the person and the year's accumulators → amounts and the trace. */
export function SettlementPage() {
  const { t } = useTranslation();
  const sets = useApi(() => api.get<{ items: PolicySet[] }>('/api/v1/policy-sets/shipped'), []);
  const [setId, setSetId] = useState<string | null>(null);
  const [encounter, setEncounter] = useState(pretty(EXAMPLE_ENCOUNTER));
  const [person, setPerson] = useState(pretty({ retiree: false }));
  const [acc, setAcc] = useState(pretty({}));
  const [out, setOut] = useState<Output | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const chosen = sets.data?.items.find((s) => s.id === setId) ?? sets.data?.items.find((s) => s.id.startsWith('610100/')) ?? sets.data?.items[0];

  const calc = async () => {
    setErr(null);
    let body: Record<string, unknown>;
    try {
      body = { policy: chosen?.policy, encounter: JSON.parse(encounter), person: JSON.parse(person), accumulators: JSON.parse(acc) };
    } catch (e) {
      setErr(`${t('settlement.invalidJson')}: ${(e as Error).message}`);
      return;
    }
    try {
      setOut(await api.post<Output>('/api/v1/settlement/calculate', body));
    } catch (e) {
      setOut(null);
      setErr((e as Error).message);
    }
  };
  if (sets.error) return <Failure error={sets.error} />;
  const amounts = out ? Object.entries(out).filter(([, v]) => typeof v === 'number') as [string, number][] : [];
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="settlement">
      <Card size="small" title={t('settlement.title')}>
        <Row gutter={16}>
          <Col xs={24} lg={12}>
            <Space direction="vertical" style={{ width: '100%' }}>
              <span>{t('settlement.policy')}</span>
              <Select style={{ width: '100%' }} value={chosen?.id} onChange={setSetId} loading={sets.loading} options={(sets.data?.items ?? []).map((s) => ({ value: s.id, label: s.id }))} />
              <span>{t('settlement.encounter')}</span>
              <Input.TextArea rows={14} value={encounter} onChange={(e) => setEncounter(e.target.value)} style={{ fontFamily: 'monospace', fontSize: 12 }} />
              <Row gutter={8}>
                <Col span={12}><span>{t('settlement.person')}</span><Input.TextArea rows={4} value={person} onChange={(e) => setPerson(e.target.value)} style={{ fontFamily: 'monospace', fontSize: 12 }} /></Col>
                <Col span={12}><span>{t('settlement.accumulators')}</span><Input.TextArea rows={4} value={acc} onChange={(e) => setAcc(e.target.value)} style={{ fontFamily: 'monospace', fontSize: 12 }} /></Col>
              </Row>
              <Button type="primary" onClick={calc} data-testid="settle">{t('settlement.calculate')}</Button>
              {err ? <Alert type="error" showIcon title={err} /> : null}
            </Space>
          </Col>
          <Col xs={24} lg={12}>
            {out ? (
              <Space direction="vertical" style={{ width: '100%' }}>
                <Descriptions size="small" bordered column={2} title={t('settlement.result')} items={amounts.map(([k, v]) => ({ label: k, children: yuan(v) }))} />
                <Table<TraceStep> size="small" rowKey={(r) => `${r.step}-${r.name}`} dataSource={out.trace} pagination={false} title={() => t('settlement.trace')} data-testid="trace"
                  columns={[{ title: '#', dataIndex: 'step', width: 50 }, { title: t('settlement.step'), dataIndex: 'name' }, { title: t('settlement.value'), dataIndex: 'value', align: 'right', render: (v: number) => yuan(v) }, { title: t('settlement.detail'), dataIndex: 'detail' }]} />
              </Space>
            ) : null}
          </Col>
        </Row>
      </Card>
    </Space>
  );
}
