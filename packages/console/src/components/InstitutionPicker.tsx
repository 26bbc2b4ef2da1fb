import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNames } from '../dictionary.ts';

/** An institution by name (the dictionary), searchable by name or code. */
export function InstitutionPicker({ value, onChange, testId, width, placeholder }: { value?: string; onChange: (v: string | undefined) => void; testId?: string; width?: number; placeholder?: string }) {
  const { t } = useTranslation();
  const names = useNames();
  const all = Object.entries(names.all('institutions')).sort((a, b) => a[0].localeCompare(b[0]));
  return <Select showSearch allowClear style={{ width: width ?? 260 }} placeholder={placeholder ?? t('settlement.medins')} value={value} optionFilterProp="label" data-testid={testId}
    options={all.map(([id, name]) => ({ value: id, label: `${name}（${id}）` }))} onChange={(v) => onChange(v ?? undefined)} />;
}

