import { useState } from 'react';
import { Card, Col, Collapse, Empty, Row, Select, Space, Statistic, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { Failure } from '../../components/Failure.tsx';
import { useNames } from '../../dictionary.ts';
import { dateTime, yuan } from '../../format.ts';
import { SettlementOutput, type SettlementRow } from '../settlement/index.tsx';
import '../../i18n/system.ts';

interface MyView {
  patn_id: string;
  /** the year of service shown (default: the latest), and every year with settlements */
  year: number;
  years: number[];
  items: (SettlementRow & { year?: number })[];
  accumulators: {
    year: number; admissions: number; catastrophic_paid: number; cap_groups: { cap_group: string; fund_paid: number; deductible_met: number }[];
    /** 起付线 the year's settlements actually paid (every scenario), yuan */
    deductible_paid: number;
    settled: number;
  };
}

/** The insured person's portal: their settlements of a year of service, each part explained in plain Chinese, and that year's figures. */
export function MyPage() {
  const { t } = useTranslation();
  const names = useNames();
  const [year, setYear] = useState<number | undefined>(undefined);
  // The year is the year of service (the visit's), as the server keeps the accumulators; by default the latest.
  const me = useApi(() => api.get<MyView>('/api/v1/me/settlements', { year }), [year]);
  if (me.error) return <Failure error={me.error} />;
  if (!me.data) return <Card loading />;
  const a = me.data.accumulators;
  const fundPaid = a.cap_groups.reduce((x, c) => x + c.fund_paid, 0);
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="me">
      <Card size="small" title={<span data-testid="me-ytd">{t('me.ytd')} · {t('meYear.yearOf', { year: me.data.year })}</span>}
        extra={me.data.years.length > 1 ? <Select size="small" style={{ width: 120 }} value={me.data.year} onChange={setYear} aria-label={t('meYear.year')} data-testid="me-year"
          options={me.data.years.map((y) => ({ value: y, label: String(y) }))} /> : null}>
        <Row gutter={16}>
          <Col xs={12} md={6}><Statistic title={t('me.admissions')} value={a.admissions} /></Col>
          <Col xs={12} md={6}><Tooltip title={t('meYear.deductibleHelp')}><div data-testid="me-deductible"><Statistic title={t('me.deductible')} value={yuan(a.deductible_paid)} /></div></Tooltip></Col>
          <Col xs={12} md={6}><Statistic title={t('me.fundPaid')} value={yuan(fundPaid)} /></Col>
          <Col xs={12} md={6}><Statistic title={t('me.catastrophicPaid')} value={yuan(a.catastrophic_paid)} /></Col>
        </Row>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('meYear.settledCount', { n: a.settled })}</Typography.Text>
      </Card>
      <Card size="small" title={t('me.settlements')}>
        {me.data.items.length ? (
          <Collapse items={me.data.items.map((s) => ({
            key: s.setl_id,
            label: <Space wrap><span>{dateTime(s.settled_at)}</span><a onClick={(e) => { e.stopPropagation(); navigate(`/encounters/${encodeURIComponent(s.mdtrt_id)}`); }}>{s.mdtrt_id}</a><span>{names.institution(s.medins_id)}</span><span>{t('settlement.total')} {yuan(s.result.medfee_sumamt as number)}</span><span>{t('settlement.fund')} {yuan(s.result.hifp_pay as number)}</span><span>{t('settlement.personPart')} {yuan(s.result.psn_part_amt as number)}</span>{s.status === 'reversed' ? <Tag>{names.code('setl_status', s.status)}</Tag> : null}</Space>,
            children: <SettlementOutput out={s.result} />,
          }))} />
        ) : <Empty description={t('me.none')} />}
      </Card>
    </Space>
  );
}
