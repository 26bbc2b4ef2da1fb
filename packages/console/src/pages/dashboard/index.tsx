import { useMemo, useState } from 'react';
import { Card, Col, Input, Row, Segmented, Space, Statistic, Table, Button, Spin, Empty, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { Chart, type ChartOption } from '../../components/Chart.tsx';
import { Failure } from '../../components/Failure.tsx';
import { dateTime, fenToYuan, int, pct } from '../../format.ts';
import { useSession } from '../../session.tsx';
import { navigate, withQueryPath } from '../../router.ts';

interface Amounts { findings: number; amount: number }
interface Summary {
  generated_at: string;
  totals: Amounts & { encounters: number; medfee: number; hifp_pay: number; cases: number; proposed: number; deducted: number };
  by_month: (Amounts & { month: string; encounters: number; medfee: number; hifp_pay: number })[];
  by_rule: (Amounts & { rule_id: string; rule_name: string; category: string })[];
  by_category: (Amounts & { category: string })[];
  by_institution: (Amounts & { medins_id: string; medins_name: string })[];
  by_department: (Amounts & { medins_id: string; dept_codg: string })[];
  cases_by_status: { status: string; cases: number; proposed: number; deducted: number }[];
  agreement: AgreementRow[];
  agreement_limits: { class_c_share: number };
}
interface AgreementRow {
  medins_id: string; medins_name: string; inpatient: number; outpatient: number; inpatient_avg_fee: number | null; outpatient_avg_fee: number | null;
  avg_los: number | null; drug_share: number | null; ownpay_share: number | null; class_c_share: number | null; over_limit: boolean;
}
interface OverrideRow { rule_id: string; rule_name: string; medins_id?: string; dept_codg?: string; dr_codg?: string; warnings: number; answered: number; proceed: number; override_rate: number | null }
type Grouping = 'rule' | 'institution' | 'department' | 'doctor';

/** Sorts numbers with nulls (no denominator) last. */
const byNum = <T,>(f: (r: T) => number | null) => (a: T, b: T) => (f(a) ?? -Infinity) - (f(b) ?? -Infinity);
const wan = (fen: number) => Math.round(fen / 100) / 10000; // 万元 on chart axes
const hbar = (names: string[], values: number[], unit: string): ChartOption => ({
  grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
  tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${v} ${unit}` },
  xAxis: { type: 'value' },
  yAxis: { type: 'category', data: [...names].reverse(), axisLabel: { width: 180, overflow: 'truncate' } },
  series: [{ type: 'bar', data: [...values].reverse(), itemStyle: { color: '#1a5fb4' } }],
});

/** Fund use and violations from GET /api/v1/dashboard (aggregated in SQL) and override rates from the real-time feedback. */
export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const [range, setRange] = useState<{ from?: string; to?: string }>({});
  const [draft, setDraft] = useState<{ from?: string; to?: string }>({});
  const [fresh, setFresh] = useState(0);
  const summary = useApi(() => api.get<Summary>('/api/v1/dashboard', { from: range.from, to: range.to, fresh: fresh ? true : undefined }), [range.from, range.to, fresh]);
  const [by, setBy] = useState<Grouping>('rule');
  const overrides = useApi(() => api.get<{ items: OverrideRow[] }>('/api/v1/realtime/override-rates', { by, from: range.from ? `${range.from}-01` : undefined }), [by, range.from]);
  const unit = i18n.language === 'en' ? '10k ¥' : '万元';
  const s = summary.data;

  const charts = useMemo(() => {
    if (!s) return null;
    const months = s.by_month.map((m) => m.month);
    return {
      month: {
        grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: months },
        yAxis: [{ type: 'value', name: unit }, { type: 'value', name: unit }],
        series: [
          { name: t('dashboard.violations'), type: 'bar', data: s.by_month.map((m) => wan(m.amount)), itemStyle: { color: '#c01c28' } },
          { name: t('dashboard.fund'), type: 'line', yAxisIndex: 1, smooth: true, data: s.by_month.map((m) => wan(m.hifp_pay)), itemStyle: { color: '#1a5fb4' } },
        ],
      } as ChartOption,
      rule: hbar(s.by_rule.slice(0, 10).map((r) => `${r.rule_name || r.rule_id}`), s.by_rule.slice(0, 10).map((r) => wan(r.amount)), unit),
      institution: hbar(s.by_institution.slice(0, 10).map((r) => r.medins_name || r.medins_id), s.by_institution.slice(0, 10).map((r) => wan(r.amount)), unit),
      department: hbar(s.by_department.slice(0, 10).map((r) => `${r.medins_id} · ${r.dept_codg || '—'}`), s.by_department.slice(0, 10).map((r) => wan(r.amount)), unit),
      category: {
        tooltip: { trigger: 'item' }, legend: { bottom: 0, type: 'scroll' },
        series: [{ type: 'pie', radius: ['35%', '62%'], minShowLabelAngle: 10, data: s.by_category.map((c) => ({ name: t(`category.${c.category}`, { defaultValue: c.category }), value: wan(c.amount) })) }],
      } as ChartOption,
      status: {
        tooltip: { trigger: 'item' }, legend: { bottom: 0, type: 'scroll' },
        series: [{ type: 'pie', radius: '60%', minShowLabelAngle: 10, data: s.cases_by_status.map((c) => ({ name: t(`status.${c.status}`), value: c.cases })) }],
      } as ChartOption,
    };
  }, [s, t, unit]);

  if (summary.error) return <Failure error={summary.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="dashboard">
      <Card size="small">
        <Space wrap>
          <span>{t('dashboard.from')}</span><Input type="month" style={{ width: 160 }} value={draft.from ?? ''} onChange={(e) => setDraft({ ...draft, from: e.target.value || undefined })} />
          <span>{t('dashboard.to')}</span><Input type="month" style={{ width: 160 }} value={draft.to ?? ''} onChange={(e) => setDraft({ ...draft, to: e.target.value || undefined })} />
          <Button type="primary" onClick={() => setRange(draft)}>{t('dashboard.apply')}</Button>
          {me.role === 'hospital' ? <span>{me.institutionId}</span> : null}
          {s ? <span data-testid="generated-at">{t('dashboard.asOf')} {dateTime(s.generated_at)}</span> : null}
          <Button onClick={() => setFresh((n) => n + 1)} loading={summary.loading} data-testid="dashboard-refresh">{t('app.refresh')}</Button>
        </Space>
      </Card>
      {!s || !charts ? <Spin /> : (
        <>
          <Row gutter={[16, 16]} className="fg-kpi">
            {([['encounters', int(s.totals.encounters)], ['medfee', fenToYuan(s.totals.medfee)], ['hifp', fenToYuan(s.totals.hifp_pay)], ['findings', int(s.totals.findings)],
              ['amount', fenToYuan(s.totals.amount)], ['cases', int(s.totals.cases)], ['proposed', fenToYuan(s.totals.proposed)], ['deducted', fenToYuan(s.totals.deducted)]] as const).map(([k, v]) => (
              <Col xs={12} md={6} key={k}><Card size="small" data-testid={`kpi-${k}`}><Statistic title={t(`dashboard.${k}`)} value={v} /></Card></Col>
            ))}
          </Row>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={16}><Card size="small" title={t('dashboard.byMonth')}><Chart option={charts.month} testId="chart-month" /></Card></Col>
            <Col xs={24} xl={8}><Card size="small" title={t('dashboard.byCategory')}><Chart option={charts.category} testId="chart-category" /></Card></Col>
            <Col xs={24} xl={12}><Card size="small" title={t('dashboard.byRule')}><Chart option={charts.rule} testId="chart-rule" onClick={(i) => { const top = s!.by_rule.slice(0, 10); const r = top[top.length - 1 - i]; if (r && me.role !== 'rule_admin') navigate(withQueryPath('/cases', { rule_id: r.rule_id })); }} /></Card></Col>
            <Col xs={24} xl={12}><Card size="small" title={t('dashboard.byInstitution')}><Chart option={charts.institution} testId="chart-institution" onClick={(i) => { const top = s!.by_institution.slice(0, 10); const r = top[top.length - 1 - i]; if (r && me.role !== 'rule_admin') navigate(withQueryPath('/cases', { medins_id: r.medins_id })); }} /></Card></Col>
            <Col xs={24} xl={12}><Card size="small" title={t('dashboard.byDepartment')}><Chart option={charts.department} testId="chart-department" /></Card></Col>
            <Col xs={24} xl={12}><Card size="small" title={t('dashboard.caseStatus')}><Chart option={charts.status} testId="chart-status" /></Card></Col>
          </Row>
        </>
      )}
      {s ? (
        <Card size="small" title={t('dashboard.agreement.title')} data-testid="agreement"
          extra={<span>{t('dashboard.agreement.limit', { limit: pct(s.agreement_limits.class_c_share) })} · <Tag color="error" data-testid="agreement-over-count">{t('dashboard.agreement.over', { n: s.agreement.filter((r) => r.over_limit).length })}</Tag></span>}>
          <Table<AgreementRow> size="small" rowKey="medins_id" dataSource={s.agreement} pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
            rowClassName={(r) => (r.over_limit ? 'fg-row-over' : '')} locale={{ emptyText: <Empty description={t('app.noData')} /> }} scroll={{ x: 1000 }}
            columns={[
              { title: t('dashboard.agreement.medins'), fixed: 'left', width: 220, sorter: (a, b) => a.medins_id.localeCompare(b.medins_id), render: (_, r) => <span data-testid="agreement-medins">{r.medins_name || r.medins_id}<br /><small>{r.medins_id}</small></span> },
              { title: t('dashboard.agreement.inpatient'), dataIndex: 'inpatient', align: 'right', render: int, sorter: byNum((r) => r.inpatient) },
              { title: t('dashboard.agreement.inpatientAvg'), dataIndex: 'inpatient_avg_fee', align: 'right', render: (v: number | null) => fenToYuan(v), sorter: byNum((r) => r.inpatient_avg_fee) },
              { title: t('dashboard.agreement.outpatient'), dataIndex: 'outpatient', align: 'right', render: int, sorter: byNum((r) => r.outpatient) },
              { title: t('dashboard.agreement.outpatientAvg'), dataIndex: 'outpatient_avg_fee', align: 'right', render: (v: number | null) => fenToYuan(v), sorter: byNum((r) => r.outpatient_avg_fee) },
              { title: t('dashboard.agreement.los'), dataIndex: 'avg_los', align: 'right', render: (v: number | null) => (v === null ? '—' : v.toFixed(1)), sorter: byNum((r) => r.avg_los) },
              { title: t('dashboard.agreement.drug'), dataIndex: 'drug_share', align: 'right', render: (v: number | null) => pct(v), sorter: byNum((r) => r.drug_share) },
              { title: t('dashboard.agreement.ownpay'), dataIndex: 'ownpay_share', align: 'right', render: (v: number | null) => pct(v), sorter: byNum((r) => r.ownpay_share) },
              { title: <Tooltip title={t('dashboard.agreement.classCHelp')}>{t('dashboard.agreement.classC')}</Tooltip>, dataIndex: 'class_c_share', align: 'right', defaultSortOrder: 'descend', sorter: byNum((r) => r.class_c_share),
                render: (v: number | null, r) => (r.over_limit ? <Tag color="error" data-testid="agreement-over">{pct(v)} ↑</Tag> : pct(v)) },
            ]} />
        </Card>
      ) : null}
      <Card size="small" title={t('dashboard.overrides')}
        extra={<Segmented<Grouping> size="small" value={by} onChange={setBy} options={(['rule', 'institution', 'department', 'doctor'] as const).map((g) => ({ value: g, label: t(`dashboard.by.${g}`) }))} />}>
        {overrides.error ? <Failure error={overrides.error} /> : (
          <Table<OverrideRow> size="small" rowKey={(r) => [r.rule_id, r.medins_id, r.dept_codg, r.dr_codg].join('|')} loading={overrides.loading} dataSource={overrides.data?.items ?? []} pagination={{ pageSize: 10 }}
            locale={{ emptyText: <Empty description={t('app.noData')} /> }}
            columns={[
              { title: t('dashboard.rule'), render: (_, r) => `${r.rule_id} ${r.rule_name}` },
              ...(by === 'rule' ? [] : [{ title: t(`dashboard.by.${by}`), render: (_: unknown, r: OverrideRow) => [r.medins_id, r.dept_codg, r.dr_codg].filter(Boolean).join(' · ') }]),
              { title: t('dashboard.warnings'), dataIndex: 'warnings', align: 'right' },
              { title: t('dashboard.answered'), dataIndex: 'answered', align: 'right' },
              { title: t('dashboard.proceed'), dataIndex: 'proceed', align: 'right' },
              { title: t('dashboard.overrideRate'), dataIndex: 'override_rate', align: 'right', render: (v: number | null) => pct(v) },
            ]} />
        )}
      </Card>
    </Space>
  );
}
