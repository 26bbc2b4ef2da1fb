import { useMemo, useState } from 'react';
import { Card, Col, Row, Segmented, Space, Statistic, Table, Button, Spin, Empty, Tag, Tooltip, Progress, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { Chart, type ChartOption } from '../../components/Chart.tsx';
import { Failure } from '../../components/Failure.tsx';
import { dateTime, fenToYuan, int, pct } from '../../format.ts';
import { useSession } from '../../session.tsx';
import { navigate, withQueryPath } from '../../router.ts';
import { useNames } from '../../dictionary.ts';
import { MonthRange } from '../../components/Dates.tsx';

interface Amounts { findings: number; amount: number }
interface Summary {
  generated_at: string;
  totals: Amounts & { encounters: number; medfee: number; hifp_pay: number; cases: number; proposed: number; deducted: number };
  by_month: (Amounts & { month: string; encounters: number; medfee: number; hifp_pay: number; partial?: boolean })[];
  by_rule: (Amounts & { rule_id: string; rule_name: string; category: string })[];
  by_category: (Amounts & { category: string })[];
  by_institution: (Amounts & { medins_id: string; medins_name: string })[];
  by_department: (Amounts & { medins_id: string; dept_codg: string })[];
  cases_by_status: { status: string; cases: number; proposed: number; deducted: number }[];
  agreement: AgreementRow[];
  agreement_limits: { class_c_share: number };
  hospital_kpis?: HospitalKpiRow[];
}
/** 内部审核合格率 and 整改率: numerator ÷ denominator against the target, with what they count (basis). */
interface KpiRate { numerator: number; denominator: number; rate: number | null; target: number; met: boolean | null; basis: string }
interface HospitalKpiRow { medins_id: string; first_pass: KpiRate; rectification: KpiRate }
interface AgreementRow {
  medins_id: string; medins_name: string; inpatient: number; outpatient: number; inpatient_avg_fee: number | null; outpatient_avg_fee: number | null;
  avg_los: number | null; drug_share: number | null; ownpay_share: number | null; class_c_share: number | null; over_limit: boolean;
}
interface OverrideRow { rule_id: string; rule_name: string; medins_id?: string; dept_codg?: string; dr_codg?: string; warnings: number; answered: number; proceed: number; override_rate: number | null }
type Grouping = 'rule' | 'institution' | 'department' | 'doctor';

/** Sorts numbers with nulls (no denominator) last. */
const byNum = <T,>(f: (r: T) => number | null) => (a: T, b: T) => (f(a) ?? -Infinity) - (f(b) ?? -Infinity);
const wan = (fen: number) => Math.round(fen / 100) / 10000; // 万元 on chart axes
/** Shares: small ones keep two decimals (0.02 %, not 0.0 %). */
const share = (r: number | null | undefined) => (r === null || r === undefined ? '—' : r > 0 && r < 0.01 ? `${(r * 100).toFixed(2)}%` : pct(r));

interface RankRow { key: string; name: string; sub?: string; findings: number; amount: number }

/**
 * A ranking as a sorted table: full names (wrapped, never cut), the figures as numbers and a bar scaled to the
 * largest, so that one dominant row does not flatten the others into nothing (it did on a bar chart).
 */
function RankTable({ rows, total, testId, onOpen, empty }: { rows: RankRow[]; total: number; testId: string; onOpen?: (r: RankRow) => void; empty: string }) {
  const { t } = useTranslation();
  const max = Math.max(1, ...rows.map((r) => r.amount));
  return (
    <Table<RankRow> size="small" rowKey="key" dataSource={rows} pagination={false} data-testid={testId}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={empty} /> }}
      onRow={(r) => (onOpen ? { onClick: () => onOpen(r), style: { cursor: 'pointer' } } : {})}
      columns={[
        { title: '#', width: 36, render: (_, __, i) => i + 1 },
        { title: t('dashboard.name'), render: (_, r) => <span data-testid={`${testId}-name`}>{r.name}{r.sub ? <><br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.sub}</Typography.Text></> : null}</span> },
        { title: t('dashboard.findingsCount'), dataIndex: 'findings', align: 'right', width: 72, render: int },
        { title: t('dashboard.amountYuan'), dataIndex: 'amount', align: 'right', width: 120, render: (v: number) => fenToYuan(v) },
        { title: t('dashboard.shareOfAll'), width: 140, render: (_, r) => (
          <Tooltip title={t('dashboard.shareHelp')}><Progress percent={Math.max(1, Math.round((Math.log10(1 + r.amount / 100) / Math.log10(1 + max / 100)) * 100))} size="small" status="normal" strokeColor="#1a5fb4" showInfo format={() => share(total > 0 ? r.amount / total : null)} /></Tooltip>
        ) },
      ]} />
  );
}

/** Fund use and violations from GET /api/v1/dashboard (aggregated in SQL) and override rates from the real-time feedback. */
export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const { me } = useSession();
  const names = useNames();
  const [range, setRange] = useState<{ from?: string; to?: string }>({});
  const [draft, setDraft] = useState<{ from?: string; to?: string }>({});
  const [fresh, setFresh] = useState(0);
  const summary = useApi(() => api.get<Summary>('/api/v1/dashboard', { from: range.from, to: range.to, fresh: fresh ? true : undefined }), [range.from, range.to, fresh]);
  const [by, setBy] = useState<Grouping>('rule');
  const overrides = useApi(() => api.get<{ items: OverrideRow[] }>('/api/v1/realtime/override-rates', { by, from: range.from ? `${range.from}-01` : undefined }), [by, range.from]);
  const unit = i18n.language === 'en' ? '10k ¥' : '万元';
  const s = summary.data;
  const hospital = me.role === 'hospital';
  const canOpen = me.role !== 'rule_admin';

  const charts = useMemo(() => {
    if (!s) return null;
    const months = s.by_month.map((m) => (m.partial ? `${m.month}*` : m.month));
    const pieLabel = { formatter: '{b}\n{d}%', fontSize: 11 };
    return {
      month: {
        grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
        legend: { top: 0 },
        tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${v} ${unit}` },
        xAxis: { type: 'category', data: months },
        yAxis: [{ type: 'value', name: `${t('dashboard.violations')}（${unit}）`, nameTextStyle: { align: 'left' } }, { type: 'value', name: `${t('dashboard.fund')}（${unit}）`, nameTextStyle: { align: 'right' } }],
        series: [
          { name: t('dashboard.violations'), type: 'bar', data: s.by_month.map((m) => wan(m.amount)), itemStyle: { color: '#c01c28' }, label: { show: s.by_month.length <= 13, position: 'top', fontSize: 10, formatter: (p: { value: number }) => p.value.toFixed(1) } },
          { name: t('dashboard.fund'), type: 'line', yAxisIndex: 1, data: s.by_month.map((m) => ({ value: wan(m.hifp_pay), symbol: m.partial ? 'emptyCircle' : 'circle' })), itemStyle: { color: '#1a5fb4' } },
        ],
      } as ChartOption,
      category: {
        tooltip: { trigger: 'item', valueFormatter: (v: unknown) => `${v} ${unit}` },
        series: [{ type: 'pie', radius: ['30%', '55%'], minShowLabelAngle: 4, label: pieLabel, data: s.by_category.map((c) => ({ name: t(`category.${c.category}`, { defaultValue: c.category }), value: wan(c.amount) })) }],
      } as ChartOption,
      status: {
        tooltip: { trigger: 'item' },
        series: [{ type: 'pie', radius: '55%', minShowLabelAngle: 4, label: { formatter: `{b}\n{c} ${t('dashboard.casesUnit')}`, fontSize: 11 }, data: s.cases_by_status.map((c) => ({ name: t(`status.${c.status}`), value: c.cases })) }],
      } as ChartOption,
    };
  }, [s, t, unit, i18n.language]);

  const ranks = useMemo(() => {
    if (!s) return null;
    return {
      rule: s.by_rule.slice(0, 10).map((r) => ({ key: r.rule_id, name: r.rule_name || r.rule_id, sub: `${r.rule_id} · ${t(`category.${r.category}`, { defaultValue: r.category })}`, findings: r.findings, amount: r.amount })),
      institution: s.by_institution.slice(0, 10).map((r) => ({ key: r.medins_id, name: r.medins_name || names.institution(r.medins_id), sub: r.medins_id, findings: r.findings, amount: r.amount })),
      department: s.by_department.slice(0, 10).map((r) => ({ key: `${r.medins_id}|${r.dept_codg}`, name: `${names.department(r.dept_codg || null)}`, sub: hospital ? r.dept_codg : `${names.institution(r.medins_id)} · ${r.dept_codg || '—'}`, findings: r.findings, amount: r.amount })),
    };
  }, [s, t, names, hospital]);

  if (summary.error) return <Failure error={summary.error} />;
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="dashboard">
      <Card size="small">
        <Space wrap>
          <span>{t('dashboard.period')}</span><MonthRange value={draft} onChange={setDraft} testId="dashboard-range" />
          <Button type="primary" onClick={() => setRange(draft)}>{t('dashboard.apply')}</Button>
          {hospital ? <Tag>{names.institution(me.institutionId)}</Tag> : null}
          {s ? <span data-testid="generated-at">{t('dashboard.asOf')} {dateTime(s.generated_at)}</span> : null}
          <Button onClick={() => setFresh((n) => n + 1)} loading={summary.loading} data-testid="dashboard-refresh">{t('app.refresh')}</Button>
        </Space>
      </Card>
      {!s || !charts || !ranks ? <Spin /> : (
        <>
          <Row gutter={[16, 16]} className="fg-kpi">
            {([['encounters', int(s.totals.encounters)], ['medfee', fenToYuan(s.totals.medfee)], ['hifp', fenToYuan(s.totals.hifp_pay)], ['findings', int(s.totals.findings)],
              ['amount', fenToYuan(s.totals.amount)], ['cases', int(s.totals.cases)], ['proposed', fenToYuan(s.totals.proposed)], ['deducted', fenToYuan(s.totals.deducted)]] as const).map(([k, v]) => (
              <Col xs={12} md={6} key={k}><Card size="small" data-testid={`kpi-${k}`}><Statistic title={<Tooltip title={t(`dashboard.help.${k}`)}>{t(`dashboard.${k}`)}</Tooltip>} value={v} /></Card></Col>
            ))}
          </Row>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={16}><Card size="small" title={t('dashboard.byMonth')}>
              {s.by_month.length ? <Chart option={charts.month} testId="chart-month" /> : <Empty description={t('dashboard.emptyPeriod')} />}
              {s.by_month.some((m) => m.partial) ? <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="partial-note">{t('dashboard.partialNote')}</Typography.Text> : null}
            </Card></Col>
            <Col xs={24} xl={8}><Card size="small" title={t('dashboard.byCategory')}>
              {s.by_category.length ? <Chart option={charts.category} testId="chart-category" /> : <Empty description={t('dashboard.emptyFindings')} />}
            </Card></Col>
            <Col xs={24}><Card size="small" title={t('dashboard.byRule')}>
              <RankTable rows={ranks.rule} total={s.totals.amount} testId="rank-rule" empty={t('dashboard.emptyFindings')} onOpen={canOpen ? (r) => navigate(withQueryPath('/cases', { rule_id: r.key })) : undefined} />
            </Card></Col>
            {hospital ? null : (
              <Col xs={24} xl={12}><Card size="small" title={t('dashboard.byInstitution')}>
                <RankTable rows={ranks.institution} total={s.totals.amount} testId="rank-institution" empty={t('dashboard.emptyFindings')} onOpen={canOpen ? (r) => navigate(withQueryPath('/cases', { medins_id: r.key })) : undefined} />
              </Card></Col>
            )}
            <Col xs={24} xl={12}><Card size="small" title={t('dashboard.byDepartment')}>
              <RankTable rows={ranks.department} total={s.totals.amount} testId="rank-department" empty={t('dashboard.emptyFindings')}
                onOpen={canOpen ? (r) => { const [m, d] = r.key.split('|'); navigate(withQueryPath('/cases', d ? { medins_id: m, dept_codg: d } : { medins_id: m })); } : undefined} />
            </Card></Col>
            <Col xs={24} xl={12}><Card size="small" title={t('dashboard.caseStatus')}>
              {s.cases_by_status.length ? <Chart option={charts.status} testId="chart-status" /> : <Empty description={t('dashboard.emptyCases')} />}
            </Card></Col>
          </Row>
        </>
      )}
      {s ? (
        <Card size="small" title={t('dashboard.agreement.title')} data-testid="agreement"
          extra={<span>{t('dashboard.agreement.limit', { limit: pct(s.agreement_limits.class_c_share) })} · <Tag color="error" data-testid="agreement-over-count">{t('dashboard.agreement.over', { n: s.agreement.filter((r) => r.over_limit).length })}</Tag></span>}>
          <Table<AgreementRow> size="small" rowKey="medins_id" dataSource={s.agreement} pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
            rowClassName={(r) => (r.over_limit ? 'fg-row-over' : '')} locale={{ emptyText: <Empty description={t('dashboard.emptyPeriod')} /> }} scroll={{ x: 1000 }}
            columns={[
              { title: t('dashboard.agreement.medins'), fixed: 'left', width: 220, sorter: (a, b) => (a.medins_name || a.medins_id).localeCompare(b.medins_name || b.medins_id, 'zh-CN'), render: (_, r) => <span data-testid="agreement-medins">{r.medins_name || names.institution(r.medins_id)}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.medins_id}</Typography.Text></span> },
              { title: t('dashboard.agreement.inpatient'), dataIndex: 'inpatient', align: 'right', render: int, sorter: byNum((r) => r.inpatient) },
              { title: t('dashboard.agreement.inpatientAvg'), dataIndex: 'inpatient_avg_fee', align: 'right', render: (v: number | null) => fenToYuan(v), sorter: byNum((r) => r.inpatient_avg_fee) },
              { title: t('dashboard.agreement.outpatient'), dataIndex: 'outpatient', align: 'right', render: int, sorter: byNum((r) => r.outpatient) },
              { title: t('dashboard.agreement.outpatientAvg'), dataIndex: 'outpatient_avg_fee', align: 'right', render: (v: number | null) => fenToYuan(v), sorter: byNum((r) => r.outpatient_avg_fee) },
              { title: t('dashboard.agreement.los'), dataIndex: 'avg_los', align: 'right', render: (v: number | null) => (v === null ? '—' : v.toFixed(1)), sorter: byNum((r) => r.avg_los) },
              { title: t('dashboard.agreement.drug'), dataIndex: 'drug_share', align: 'right', render: (v: number | null) => share(v), sorter: byNum((r) => r.drug_share) },
              { title: t('dashboard.agreement.ownpay'), dataIndex: 'ownpay_share', align: 'right', render: (v: number | null) => share(v), sorter: byNum((r) => r.ownpay_share) },
              { title: <Tooltip title={t('dashboard.agreement.classCHelp')}>{t('dashboard.agreement.classC')}</Tooltip>, dataIndex: 'class_c_share', align: 'right', defaultSortOrder: 'descend', sorter: byNum((r) => r.class_c_share),
                render: (v: number | null, r) => (r.over_limit ? <Tag color="error" data-testid="agreement-over">{share(v)} ↑</Tag> : share(v)) },
            ]} />
        </Card>
      ) : null}
      {s?.hospital_kpis?.length ? (
        <Card size="small" title={t('dashboard.hospitalKpis.title')} data-testid="hospital-kpis">
          <Table<HospitalKpiRow> size="small" rowKey="medins_id" dataSource={s.hospital_kpis} pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
            columns={[
              { title: t('dashboard.hospitalKpis.medins'), render: (_, r) => <>{names.institution(r.medins_id)}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.medins_id}</Typography.Text></> },
              ...(['first_pass', 'rectification'] as const).map((k) => ({
                title: <>{t(`dashboard.hospitalKpis.${k === 'first_pass' ? 'firstPass' : 'rectification'}`)}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('dashboard.hospitalKpis.target', { target: pct(s.hospital_kpis![0][k].target) })}</Typography.Text></>,
                key: k,
                render: (_: unknown, r: HospitalKpiRow) => {
                  const v = r[k];
                  if (v.rate === null) return <Typography.Text type="secondary">{t('dashboard.hospitalKpis.none')}</Typography.Text>;
                  return (
                    <Tooltip title={`${t('dashboard.hospitalKpis.basis')}：${v.basis}`}>
                      <span data-testid={`kpi-${k}`}><Tag color={v.met ? 'success' : 'error'}>{pct(v.rate)} {v.met ? t('dashboard.hospitalKpis.met') : t('dashboard.hospitalKpis.notMet')}</Tag>
                        <Typography.Text type="secondary">{t('dashboard.hospitalKpis.counts', { n: v.numerator, d: v.denominator })}</Typography.Text></span>
                    </Tooltip>
                  );
                },
              })),
              { title: t('dashboard.hospitalKpis.basis'), render: (_, r) => <Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.first_pass.basis}；{r.rectification.basis}</Typography.Text> },
            ]} />
        </Card>
      ) : null}
      <Card size="small" title={t('dashboard.overrides')}
        extra={<Segmented<Grouping> size="small" value={by} onChange={setBy} options={(['rule', 'institution', 'department', 'doctor'] as const).map((g) => ({ value: g, label: t(`dashboard.by.${g}`) }))} />}>
        {overrides.error ? <Failure error={overrides.error} /> : (
          <Table<OverrideRow> size="small" rowKey={(r) => [r.rule_id, r.medins_id, r.dept_codg, r.dr_codg].join('|')} loading={overrides.loading} dataSource={overrides.data?.items ?? []} pagination={{ pageSize: 10 }}
            locale={{ emptyText: <Empty description={t('dashboard.emptyOverrides')} /> }}
            columns={[
              { title: t('dashboard.rule'), render: (_, r) => <>{r.rule_name || r.rule_id}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{r.rule_id}</Typography.Text></> },
              ...(by === 'rule' ? [] : [{ title: t(`dashboard.by.${by}`), render: (_: unknown, r: OverrideRow) => [r.medins_id ? names.institution(r.medins_id) : '', r.dept_codg ? names.department(r.dept_codg) : '', r.dr_codg ? names.doctor(r.dr_codg) : ''].filter(Boolean).join(' · ') }]),
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
