import { DatePicker, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';

const DAY = 'YYYY-MM-DD';
const MONTH = 'YYYY-MM';

/**
 * A period of days as people say it: both ends included ("2024-03-01 至 2024-03-31"). The API's periods end
 * before `to` (exclusive), so `value.to` / `onChange` carry the day after the last one shown.
 */
export function DayRange({ value, onChange, testId, allowEmpty }: { value: { from?: string; to?: string }; onChange: (v: { from: string; to: string } | { from?: undefined; to?: undefined }) => void; testId?: string; allowEmpty?: boolean }) {
  const { t } = useTranslation();
  const shown: [Dayjs | null, Dayjs | null] = [value.from ? dayjs(value.from) : null, value.to ? dayjs(value.to).subtract(1, 'day') : null];
  return (
    <Space size={4} data-testid={testId}>
      <DatePicker.RangePicker value={shown} format={DAY} allowClear={!!allowEmpty}
        onChange={(r) => (r && r[0] && r[1] ? onChange({ from: r[0].format(DAY), to: r[1].add(1, 'day').format(DAY) }) : onChange({}))} />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('app.inclusive')}</Typography.Text>
    </Space>
  );
}

/** Months, both included (the API's month ranges are inclusive too). */
export function MonthRange({ value, onChange, testId }: { value: { from?: string; to?: string }; onChange: (v: { from?: string; to?: string }) => void; testId?: string }) {
  return (
    <span data-testid={testId}>
      <DatePicker.RangePicker picker="month" format={MONTH} allowEmpty={[true, true]} value={[value.from ? dayjs(value.from + '-01') : null, value.to ? dayjs(value.to + '-01') : null]}
        onChange={(r) => onChange({ from: r?.[0]?.format(MONTH), to: r?.[1]?.format(MONTH) })} />
    </span>
  );
}

export function MonthPicker({ value, onChange, testId, allowClear }: { value?: string; onChange: (m: string | undefined) => void; testId?: string; allowClear?: boolean }) {
  return <DatePicker picker="month" format={MONTH} data-testid={testId} allowClear={!!allowClear} value={value ? dayjs(value + '-01') : null} onChange={(d) => onChange(d ? d.format(MONTH) : undefined)} />;
}

export function DayPicker({ value, onChange, testId, ariaLabel }: { value?: string; onChange: (d: string | undefined) => void; testId?: string; ariaLabel?: string }) {
  return <DatePicker format={DAY} data-testid={testId} aria-label={ariaLabel} value={value ? dayjs(value) : null} onChange={(d) => onChange(d ? d.format(DAY) : undefined)} />;
}
