import { Card, Col, Collapse, Empty, Row, Space, Statistic, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { Failure } from '../../components/Failure.tsx';
import { dateTime, yuan } from '../../format.ts';
import { SettlementOutput, type SettlementRow } from '../settlement/index.tsx';

interface MyView {
  patn_id: string;
  items: SettlementRow[];
  accumulators: { year: number; admissions: number; catastrophic_paid: number; cap_groups: { cap_group: string; fund_paid: number; deductible_met: number }[] };
}

/** The insured person's portal: their own settlements, each part explained in plain Chinese, and the year's figures. */
export function MyPage() {
  const { t } = useTranslation();
  // The year-to-date figures are those of the policy year of the latest settlement (not the year it was entered).
  const me = useApi(async () => {
    const first = await api.get<MyView>('/api/v1/me/settlements');
    const year = (first.items[0]?.result.parameters as { year?: number } | undefined)?.year;
    return year && year !== first.accumulators.year ? api.get<MyView>('/api/v1/me/settlements', { year }) : first;
  }, []);
  if (me.error) return <Failure error={me.error} />;
  if (!me.data) return <Card loading />;
  const a = me.data.accumulators;
  const sum = (k: 'fund_paid' | 'deductible_met') => a.cap_groups.reduce((x, c) => x + c[k], 0);
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="me">
      <Card size="small" title={`${t('me.ytd')} ${a.year}`}>
        <Row gutter={16}>
          <Col xs={12} md={6}><Statistic title={t('me.admissions')} value={a.admissions} /></Col>
          <Col xs={12} md={6}><Statistic title={t('me.deductible')} value={yuan(sum('deductible_met'))} /></Col>
          <Col xs={12} md={6}><Statistic title={t('me.fundPaid')} value={yuan(sum('fund_paid'))} /></Col>
          <Col xs={12} md={6}><Statistic title={t('me.catastrophicPaid')} value={yuan(a.catastrophic_paid)} /></Col>
        </Row>
      </Card>
      <Card size="small" title={t('me.settlements')}>
        {me.data.items.length ? (
          <Collapse items={me.data.items.map((s) => ({
            key: s.setl_id,
            label: <Space wrap><span>{dateTime(s.settled_at)}</span><a onClick={(e) => { e.stopPropagation(); navigate(`/encounters/${encodeURIComponent(s.mdtrt_id)}`); }}>{s.mdtrt_id}</a><span>{t('settlement.total')} {yuan(s.result.medfee_sumamt as number)}</span><span>{t('settlement.fund')} {yuan(s.result.hifp_pay as number)}</span><span>{t('settlement.personPart')} {yuan(s.result.psn_part_amt as number)}</span>{s.status === 'reversed' ? <Tag>reversed</Tag> : null}</Space>,
            children: <SettlementOutput out={s.result} />,
          }))} />
        ) : <Empty description={t('me.none')} />}
      </Card>
    </Space>
  );
}
