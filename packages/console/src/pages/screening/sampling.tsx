import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Col, Descriptions, Empty, Input, InputNumber, List, Row, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { Failure } from '../../components/Failure.tsx';
import { DayRange } from '../../components/Dates.tsx';
import { InstitutionPicker } from '../../components/InstitutionPicker.tsx';
import { useNames } from '../../dictionary.ts';
import dayjs from 'dayjs';
import { dateTime, fenToYuan, int } from '../../format.ts';

type Method = 'random' | 'stratified' | 'preset' | 'inpatient_10pct' | 'hospital';
type StratumField = 'medins_id' | 'dept' | 'amount_band';
interface Stratum { key: string; population: number; sampled: number }
interface Extrapolation { estimate: number; low: number; high: number; standardError: number; simpleFactorEstimate: number | null; found_fen: number; sampled: number; population: number; by: string; at: string }
interface EncounterDraw { seed: string; method: string; preset?: string; factor?: number; population: number; strata: Stratum[]; ids: string[] }
interface InspectionDraw { seed: string; share: number; teamSize: number; assignments: { institution: string; institution_name: string; inspectors: string[] }[]; publication: string[] }
interface StoredDraw<D = Record<string, unknown>> { id: number; kind: 'encounters' | 'inspection'; params: Record<string, unknown>; draw: D; extrapolation: Extrapolation | null; actor: string; created_at: string }

const METHODS: Method[] = ['stratified', 'random', 'preset', 'inpatient_10pct', 'hospital'];
const FIELDS: StratumField[] = ['medins_id', 'dept', 'amount_band'];
const today = () => new Date().toISOString().slice(0, 10);
const openEncounter = (id: string) => navigate(`/encounters/${encodeURIComponent(id)}`);
const useDraws = () => useApi(() => api.get<{ items: Omit<StoredDraw, 'draw'>[] }>('/api/v1/sample-draws'), []);

/** 抽查: a stored, reproducible draw of encounters (seed, method, strata), and the extrapolation of the errors found in it. */
export function Sampling() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const draws = useDraws();
  const [form, setForm] = useState<{ method: Method; from: string; to: string; seed: string; n?: number; strata: StratumField[]; medins_id: string; inpatient: boolean }>(
    { method: 'stratified', from: '2024-01-01', to: '2025-01-01', seed: `抽查-${today()}`, n: 60, strata: ['amount_band'], medins_id: '', inpatient: false });
  const [selected, setSelected] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const items = (draws.data?.items ?? []).filter((d) => d.kind === 'encounters');
  const current = selected ?? items[0]?.id ?? null;
  const needsN = form.method === 'random' || form.method === 'stratified';
  const draw = async () => {
    setBusy(true);
    try {
      const r = await api.post<StoredDraw>('/api/v1/sample-draws', {
        method: form.method, from: form.from, to: form.to, seed: form.seed,
        ...(needsN ? { n: form.n } : {}), ...(form.method === 'stratified' ? { strata: form.strata } : {}),
        ...(form.medins_id ? { medins_id: form.medins_id } : {}), ...(form.inpatient ? { inpatient: true } : {}),
      });
      setSelected(r.id);
      draws.reload();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (draws.error) return <Failure error={draws.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card size="small" title={t('sampling.newDraw')}>
        <Space wrap>
          <Select<Method> style={{ width: 200 }} value={form.method} onChange={(method) => setForm({ ...form, method })} data-testid="draw-method"
            options={METHODS.map((m) => ({ value: m, label: t(`sampling.method.${m}`) }))} />
          <span>{t('runs.admPeriod')}</span><DayRange value={form} onChange={(v) => setForm({ ...form, from: v.from ?? form.from, to: v.to ?? form.to })} />
          <Input addonBefore={t('sampling.seed')} style={{ width: 260 }} value={form.seed} onChange={(e) => setForm({ ...form, seed: e.target.value })} data-testid="draw-seed" />
          {needsN ? <InputNumber addonBefore={t('sampling.n')} min={1} style={{ width: 160 }} value={form.n} onChange={(v) => setForm({ ...form, n: v ?? undefined })} data-testid="draw-n" /> : null}
          {form.method === 'stratified' ? (
            <Select<StratumField[]> mode="multiple" style={{ minWidth: 240 }} placeholder={t('sampling.strataBy')} value={form.strata} onChange={(strata) => setForm({ ...form, strata })} data-testid="draw-strata"
              options={FIELDS.map((f) => ({ value: f, label: t(`sampling.field.${f}`) }))} />
          ) : null}
          <InstitutionPicker placeholder={form.method === 'hospital' ? `${t('runs.medins')} *` : t('runs.medins')} width={240} value={form.medins_id || undefined} onChange={(v) => setForm({ ...form, medins_id: v ?? '' })} testId="draw-medins" />
          {form.method === 'random' || form.method === 'stratified' || form.method === 'preset' ? (
            <Checkbox checked={form.inpatient} onChange={(e) => setForm({ ...form, inpatient: e.target.checked })}>{t('sampling.inpatientOnly')}</Checkbox>
          ) : null}
          <Button type="primary" loading={busy} disabled={!form.seed || (form.method === 'stratified' && !form.strata.length)} onClick={draw} data-testid="draw-start">{t('sampling.draw')}</Button>
        </Space>
        <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>{t(`sampling.methodHelp.${form.method}`)}</Typography.Paragraph>
      </Card>
      <Table<Omit<StoredDraw, 'draw'>> size="small" rowKey="id" dataSource={items} loading={draws.loading} pagination={{ pageSize: 5, hideOnSinglePage: true }} data-testid="sample-draws"
        rowSelection={{ type: 'radio', selectedRowKeys: current ? [current] : [], onChange: (k) => setSelected(Number(k[0])) }}
        columns={[
          { title: t('runs.id'), dataIndex: 'id' },
          { title: t('sampling.methodLabel'), render: (_, d) => t(`sampling.method.${String(d.params.method)}`, { defaultValue: String(d.params.method) }) },
          { title: t('sampling.seed'), render: (_, d) => <Typography.Text code>{String(d.params.seed)}</Typography.Text> },
          { title: t('sampling.period'), render: (_, d) => `${String(d.params.from)} – ${String(d.params.to)}` },
          { title: t('sampling.estimate'), render: (_, d) => (d.extrapolation ? fenToYuan(d.extrapolation.estimate) : '—'), align: 'right' },
          { title: t('runs.actor'), dataIndex: 'actor' },
          { title: t('runs.started'), dataIndex: 'created_at', render: dateTime },
        ]} />
      {current ? <DrawDetail key={current} id={current} onChange={draws.reload} /> : null}
    </Space>
  );
}

function DrawDetail({ id, onChange }: { id: number; onChange: () => void }) {
  const { t } = useTranslation();
  const names = useNames();
  const { message } = App.useApp();
  const d = useApi(() => api.get<StoredDraw<EncounterDraw>>(`/api/v1/sample-draws/${id}`), [id]);
  const [errors, setErrors] = useState<Record<string, number | null>>({});
  const [busy, setBusy] = useState(false);
  const [page, setPage] = useState(1);
  useEffect(() => setErrors({}), [id]);
  if (d.error) return <Failure error={d.error} />;
  if (!d.data) return <Card size="small" loading />;
  const s = d.data;
  const draw = s.draw;
  const method = String(s.params.method);
  const purposive = method === 'hospital';
  const x = s.extrapolation;
  const extrapolate = async () => {
    setBusy(true);
    try {
      const body = Object.fromEntries(Object.entries(errors).filter(([, v]) => v !== null && v !== undefined && v > 0).map(([k, v]) => [k, v!.toFixed(2)]));
      await api.post(`/api/v1/sample-draws/${id}/extrapolation`, { errors: body });
      d.reload();
      onChange();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const entered = Object.values(errors).filter((v) => v !== null && v > 0).length;
  return (
    <Card size="small" title={`${t('sampling.draw')} #${s.id}`} data-testid="draw-detail">
      <Descriptions size="small" column={{ xs: 1, md: 3 }} bordered items={[
        { key: 'seed', label: t('sampling.seed'), children: <Typography.Text code copyable data-testid="draw-seed-shown">{draw.seed}</Typography.Text> },
        { key: 'method', label: t('sampling.methodLabel'), children: <span data-testid="draw-method-shown">{t(`sampling.method.${method}`, { defaultValue: method })}{draw.preset ? ` · ${draw.preset}` : ''}</span> },
        { key: 'strata', label: t('sampling.strataBy'), children: ((s.params.strata as string[] | undefined) ?? []).map((f) => t(`sampling.field.${f}`, { defaultValue: f })).join(' × ') || '—' },
        { key: 'period', label: t('sampling.period'), children: `${String(s.params.from)} ${t('app.through')} ${dayjs(String(s.params.to)).subtract(1, 'day').format('YYYY-MM-DD')}${s.params.medins_id ? ` · ${names.institution(String(s.params.medins_id))}` : ''}` },
        { key: 'population', label: t('sampling.population'), children: int(draw.population) },
        { key: 'sampled', label: t('sampling.sampled'), children: <span data-testid="draw-sampled">{int(draw.ids.length)}</span> },
        { key: 'factor', label: t('sampling.factor'), children: draw.factor ? `×${draw.factor}` : '—' },
        { key: 'actor', label: t('runs.actor'), children: s.actor },
        { key: 'at', label: t('runs.started'), children: dateTime(s.created_at) },
      ]} />
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col xs={24} xl={9}>
          <Typography.Title level={5}>{t('sampling.strata')}</Typography.Title>
          <Table<Stratum> size="small" rowKey="key" dataSource={draw.strata} pagination={{ pageSize: 10, hideOnSinglePage: true }} data-testid="strata"
            columns={[
              { title: t('sampling.stratum'), dataIndex: 'key', render: (k: string) => <span data-testid="stratum-key">{k === '*' ? t('sampling.whole') : k}</span> },
              { title: t('sampling.population'), dataIndex: 'population', align: 'right', render: int, sorter: (a, b) => a.population - b.population },
              { title: t('sampling.sampled'), dataIndex: 'sampled', align: 'right', render: int },
              { title: t('sampling.rate'), align: 'right', render: (_, r) => (r.population ? `${((100 * r.sampled) / r.population).toFixed(1)}%` : '—') },
            ]} />
        </Col>
        <Col xs={24} xl={15}>
          <Typography.Title level={5}>{t('sampling.records')}</Typography.Title>
          <Table<{ id: string }> size="small" rowKey="id" dataSource={draw.ids.map((i) => ({ id: i }))} data-testid="drawn"
            pagination={{ current: page, pageSize: 10, showSizeChanger: false, onChange: setPage, showTotal: (n) => t('total', { n }) }}
            columns={[
              { title: '#', width: 60, render: (_, __, i) => (page - 1) * 10 + i + 1 },
              { title: t('encounter.lookup'), dataIndex: 'id', render: (v: string) => <a onClick={() => openEncounter(v)} data-testid="drawn-link">{v}</a> },
              ...(purposive ? [] : [{
                title: t('sampling.errorYuan'), width: 200,
                render: (_: unknown, r: { id: string }) => (
                  <InputNumber<number> min={0} step={10} precision={2} prefix="¥" style={{ width: 160 }} value={errors[r.id] ?? null} data-testid="error-input"
                    onChange={(v) => setErrors((e) => ({ ...e, [r.id]: v }))} />
                ),
              }]),
            ]} />
        </Col>
      </Row>
      {purposive ? <Alert type="info" showIcon message={t('sampling.purposive')} /> : (
        <Card size="small" type="inner" title={t('sampling.extrapolation')} style={{ marginTop: 16 }}
          extra={<Space><span>{t('sampling.entered', { n: entered })}</span><Button type="primary" loading={busy} onClick={extrapolate} data-testid="extrapolate">{t('sampling.extrapolate')}</Button></Space>}>
          {x ? (
            <div data-testid="extrapolation">
              <Row gutter={16}>
                <Col xs={12} md={5}><Statistic title={t('sampling.found')} value={fenToYuan(x.found_fen)} /></Col>
                <Col xs={12} md={5}><Statistic title={t('sampling.estimate')} value={fenToYuan(x.estimate)} valueStyle={{ color: '#c01c28' }} /></Col>
                <Col xs={24} md={8}><Statistic title={t('sampling.ci')} value={`${fenToYuan(x.low)} – ${fenToYuan(x.high)}`} /></Col>
                <Col xs={12} md={6} data-testid="simple-factor"><Statistic title={draw.factor ? t('sampling.simpleFactor', { factor: draw.factor }) : t('sampling.simpleFactorNone')} value={x.simpleFactorEstimate === null ? '—' : fenToYuan(x.simpleFactorEstimate)} /></Col>
              </Row>
              <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
                {t('sampling.note', { se: fenToYuan(x.standardError), n: x.sampled, N: int(x.population), by: x.by, at: dateTime(x.at) })}
              </Typography.Paragraph>
            </div>
          ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('sampling.noExtrapolation')} />}
        </Card>
      )}
    </Card>
  );
}

const DEFAULT_INSPECTORS = ['I01,张明', 'I02,李华', 'I03,王芳', 'I04,赵磊', 'I05,陈静', 'I06,刘强', 'I07,杨帆', 'I08,周敏'].join('\n');

/** Parses "编号,姓名,关联机构;关联机构" lines. */
function parseInspectors(text: string): { id: string; name: string; linked_institutions: string[] }[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [id, name, linked] = l.split(/[,，]/).map((p) => p.trim());
    return { id, name: name || id, linked_institutions: (linked ?? '').split(/[;；\s]+/).filter(Boolean) };
  });
}

/** 双随机、一公开: random institutions × random inspector teams, and the list to publish. */
export function Inspection() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const draws = useDraws();
  const [form, setForm] = useState({ seed: `双随机-${today()}`, share: 10, team_size: 2, inspectors: DEFAULT_INSPECTORS });
  const [selected, setSelected] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const items = (draws.data?.items ?? []).filter((d) => d.kind === 'inspection');
  const current = selected ?? items[0]?.id ?? null;
  const inspectors = useMemo(() => parseInspectors(form.inspectors), [form.inspectors]);
  const start = async () => {
    setBusy(true);
    try {
      const r = await api.post<StoredDraw>('/api/v1/inspection-draws', { seed: form.seed, inspectors, share: form.share / 100, team_size: form.team_size });
      setSelected(r.id);
      draws.reload();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (draws.error) return <Failure error={draws.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Card size="small" title={t('sampling.newInspection')}>
        <Row gutter={16}>
          <Col xs={24} md={10}>
            <Typography.Text>{t('sampling.inspectors')}</Typography.Text>
            <Input.TextArea rows={6} value={form.inspectors} onChange={(e) => setForm({ ...form, inspectors: e.target.value })} data-testid="inspectors" />
            <Typography.Text type="secondary">{t('sampling.inspectorsHelp', { n: inspectors.length })}</Typography.Text>
          </Col>
          <Col xs={24} md={14}>
            <Space direction="vertical">
              <Input addonBefore={t('sampling.seed')} style={{ width: 300 }} value={form.seed} onChange={(e) => setForm({ ...form, seed: e.target.value })} data-testid="inspection-seed" />
              <InputNumber addonBefore={t('sampling.share')} addonAfter="%" min={1} max={100} style={{ width: 220 }} value={form.share} onChange={(v) => setForm({ ...form, share: v ?? 5 })} />
              <InputNumber addonBefore={t('sampling.teamSize')} min={1} max={10} style={{ width: 220 }} value={form.team_size} onChange={(v) => setForm({ ...form, team_size: v ?? 2 })} />
              <Typography.Text type="secondary">{t('sampling.inspectionHelp')}</Typography.Text>
              <Button type="primary" loading={busy} disabled={!form.seed || !inspectors.length} onClick={start} data-testid="inspection-start">{t('sampling.drawInspection')}</Button>
            </Space>
          </Col>
        </Row>
      </Card>
      <Table<Omit<StoredDraw, 'draw'>> size="small" rowKey="id" dataSource={items} loading={draws.loading} pagination={{ pageSize: 5, hideOnSinglePage: true }} data-testid="inspection-draws"
        rowSelection={{ type: 'radio', selectedRowKeys: current ? [current] : [], onChange: (k) => setSelected(Number(k[0])) }}
        columns={[
          { title: t('runs.id'), dataIndex: 'id' },
          { title: t('sampling.seed'), render: (_, d) => <Typography.Text code>{String(d.params.seed)}</Typography.Text> },
          { title: t('sampling.institutions'), render: (_, d) => int(Number(d.params.institutions ?? 0)) },
          { title: t('sampling.inspectorCount'), render: (_, d) => int((d.params.inspectors as unknown[] | undefined)?.length ?? 0) },
          { title: t('runs.actor'), dataIndex: 'actor' },
          { title: t('runs.started'), dataIndex: 'created_at', render: dateTime },
        ]} />
      {current ? <InspectionDetail key={current} id={current} /> : null}
    </Space>
  );
}

function InspectionDetail({ id }: { id: number }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const d = useApi(() => api.get<StoredDraw<InspectionDraw>>(`/api/v1/sample-draws/${id}`), [id]);
  if (d.error) return <Failure error={d.error} />;
  if (!d.data) return <Card size="small" loading />;
  const s = d.data;
  const draw = s.draw;
  const names = new Map(((s.params.inspectors as { id: string; name: string }[] | undefined) ?? []).map((i) => [i.id, i.name]));
  const title = t('sampling.publicationTitle', { date: dateTime(s.created_at).slice(0, 10) });
  const text = [title, ...draw.publication.map((l, i) => `${i + 1}. ${l}`), t('sampling.publicationFooter', { seed: draw.seed, id: s.id })].join('\n');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      message.success(t('sampling.copied'));
    } catch {
      message.error(t('app.error'));
    }
  };
  const download = () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    a.download = `双随机公示-${s.id}.txt`;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <Row gutter={16}>
      <Col xs={24} xl={12}>
        <Card size="small" title={`${t('sampling.assignments')} #${s.id}`}>
          <Descriptions size="small" column={3} items={[
            { key: 'seed', label: t('sampling.seed'), children: <Typography.Text code copyable>{draw.seed}</Typography.Text> },
            { key: 'share', label: t('sampling.share'), children: `${Math.round(draw.share * 1000) / 10}%` },
            { key: 'team', label: t('sampling.teamSize'), children: draw.teamSize },
          ]} />
          <Table size="small" rowKey="institution" dataSource={draw.assignments} pagination={{ pageSize: 10, hideOnSinglePage: true }} data-testid="assignments"
            columns={[
              { title: t('cases.medins'), render: (_, a) => `${a.institution_name}（${a.institution}）` },
              { title: t('sampling.team'), render: (_, a) => a.inspectors.map((i) => <Tag key={i}>{names.get(i) ?? i}</Tag>) },
            ]} />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('sampling.publication')} data-testid="publication"
          extra={<Space><Button size="small" onClick={copy}>{t('sampling.copy')}</Button><Button size="small" onClick={download}>{t('sampling.download')}</Button></Space>}>
          <Typography.Title level={5} style={{ textAlign: 'center' }}>{title}</Typography.Title>
          <List size="small" dataSource={draw.publication} locale={{ emptyText: t('app.noData') }}
            renderItem={(l, i) => <List.Item data-testid="publication-line">{i + 1}. {l}</List.Item>} />
          <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{t('sampling.publicationFooter', { seed: draw.seed, id: s.id })}</Typography.Paragraph>
        </Card>
      </Col>
    </Row>
  );
}
