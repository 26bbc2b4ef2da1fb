import { useMemo, useState, type HTMLAttributes, type Key, type ReactNode } from 'react';
import { App, Button, Checkbox, Dropdown, Empty, Input, Modal, Popover, Space, Table, Tooltip, Typography, type MenuProps, type TablePaginationConfig } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, DownloadOutlined, FilterOutlined, SettingOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useSession } from '../session.tsx';
import '../i18n/system.ts';

export type Cell = string | number | null | undefined;
type MenuItems = NonNullable<MenuProps['items']>[number][];

/**
 * A column of a DataTable: a text title (column settings, export header) and how its cells export. Its own small
 * type, not antd's ColumnType<T>: relating antd's generic table types ran the type checker out of memory.
 */
export interface DataColumn<T> {
  key: string;
  title: string;
  dataIndex?: string;
  /** the cell on screen (as antd's render: the dataIndex value, the row, its index) */
  render?: (value: never, row: T, index: number) => ReactNode;
  align?: 'left' | 'right' | 'center';
  width?: number | string;
  sorter?: (a: T, b: T) => number;
  ellipsis?: boolean;
  /** the export cell: names not codes, amounts as yuan numbers (default: the dataIndex value) */
  exportValue?: (row: T) => Cell;
  /** yuan: exported as a number shown with 2 decimals */
  exportFormat?: 'yuan';
  /** hidden until the person shows it in the column settings */
  defaultHidden?: boolean;
  /** not exported (buttons) */
  noExport?: boolean;
}

export interface SavedFilters {
  /** the filters now in force (usually the page's query string) */
  value: Record<string, string>;
  apply: (v: Record<string, string>) => void;
}

/** The antd Table props the list pages use, passed through as they are. */
export interface DataTableProps<T> {
  /** names the table in the person's stored settings (column choice, saved filters): stable, one per table */
  tableId: string;
  columns: DataColumn<T>[];
  dataSource: readonly T[];
  rowKey: string | ((row: T) => string);
  /** the file name of an export, without .xlsx (Chinese: people file these) */
  exportName: string;
  /** every row matching the filters, page by page (for "export all"); without it only the shown rows export */
  exportAll?: { total: number; fetch: (offset: number, limit: number) => Promise<T[]>; pageSize?: number };
  savedFilters?: SavedFilters;
  /** shown at the left of the table's tool row */
  toolbar?: ReactNode;
  size?: 'small' | 'middle' | 'large';
  loading?: boolean;
  pagination?: TablePaginationConfig | false;
  onRow?: (row: T) => HTMLAttributes<HTMLElement>;
  rowSelection?: { selectedRowKeys: Key[]; onChange: (keys: Key[]) => void; type?: 'checkbox' | 'radio' };
  expandable?: { expandedRowRender: (row: T) => ReactNode };
  rowClassName?: (row: T) => string;
  locale?: { emptyText?: ReactNode };
  'data-testid'?: string;
}

// The props pass to antd's Table untyped: they were checked once, at DataTableProps.
const PlainTable = Table as unknown as (props: Record<string, unknown>) => ReactNode;

/** The part of exceljs used here (its full typings are heavy for the type checker). */
interface ExcelSheet {
  columns: { header: string; key: string; width: number }[];
  getRow(n: number): { font: { bold: boolean } };
  getColumn(n: number): { numFmt: string };
  addRow(values: Record<string, Cell>): unknown;
}
interface ExcelModule {
  Workbook: new () => { creator: string; addWorksheet(name: string): ExcelSheet; xlsx: { writeBuffer(): Promise<ArrayBuffer> } };
}

const MAX_EXPORT = 20_000;
const EXPORT_PAGE = 500;

interface Layout { order: string[]; hidden: string[] }

const storageKey = (kind: 'table' | 'filters', user: string, tableId: string) => `fg.${kind}.${user}.${tableId}`;

function readJson<V>(key: string, fallback: V): V {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as V) : fallback;
  } catch {
    return fallback;
  }
}

/** The columns in the person's order, the hidden ones left out; columns added since the choice was saved come last. */
export function arrange<T>(columns: DataColumn<T>[], layout: Layout | null): { all: DataColumn<T>[]; shown: DataColumn<T>[] } {
  const byKey = new Map(columns.map((c) => [c.key, c]));
  const ordered = layout ? [...layout.order.filter((k) => byKey.has(k)), ...columns.map((c) => c.key).filter((k) => !layout.order.includes(k))] : columns.map((c) => c.key);
  const hidden = new Set(layout ? layout.hidden : columns.filter((c) => c.defaultHidden).map((c) => c.key));
  const all = ordered.map((k) => byKey.get(k)!);
  return { all, shown: all.filter((c) => !hidden.has(c.key)) };
}

function cellOf<T>(c: DataColumn<T>, row: T): Cell {
  if (c.exportValue) return c.exportValue(row);
  const path = [c.dataIndex ?? c.key];
  let v: unknown = row;
  for (const p of path) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[String(p)];
  if (v === null || v === undefined) return '';
  return typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** Writes the shown columns of `rows` to an XLSX file (exceljs, bundled and loaded when first used; no CDN). */
export async function downloadXlsx<T>(fileName: string, sheet: string, columns: DataColumn<T>[], rows: readonly T[]): Promise<Blob> {
  const mod = (await import('exceljs')) as unknown as { default?: ExcelModule } & ExcelModule;
  const ExcelJS = mod.default ?? mod;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'FundGuard';
  const ws = wb.addWorksheet(sheet.slice(0, 31) || 'Sheet1');
  const cols = columns.filter((c) => !c.noExport);
  ws.columns = cols.map((c) => ({ header: c.title, key: c.key, width: Math.min(40, Math.max(10, c.title.length * 2 + 4)) }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) {
    const values: Record<string, Cell> = {};
    for (const c of cols) {
      const v = cellOf(c, r);
      values[c.key] = c.exportFormat === 'yuan' && typeof v === 'number' ? Math.round(v * 100) / 100 : v ?? '';
    }
    ws.addRow(values);
  }
  cols.forEach((c, i) => {
    if (c.exportFormat === 'yuan') ws.getColumn(i + 1).numFmt = '#,##0.00';
  });
  const blob = new Blob([await wb.xlsx.writeBuffer()], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName.endsWith('.xlsx') ? fileName : `${fileName}.xlsx`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob;
}

function ColumnSettings<T>({ all, shown, onChange }: { all: DataColumn<T>[]; shown: DataColumn<T>[]; onChange: (l: Layout | null) => void }) {
  const { t } = useTranslation();
  const visible = new Set(shown.map((c) => c.key));
  const keys = all.map((c) => c.key);
  const save = (order: string[], hidden: string[]) => onChange({ order, hidden });
  const move = (i: number, d: -1 | 1) => {
    const order = [...keys];
    [order[i], order[i + d]] = [order[i + d], order[i]];
    save(order, keys.filter((k) => !visible.has(k)));
  };
  return (
    <div style={{ width: 300 }} data-testid="column-settings">
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('table.columnsHint')}</Typography.Text>
      <div style={{ maxHeight: 360, overflow: 'auto', margin: '8px 0' }}>
        {all.map((c, i) => (
          <div key={c.key} style={{ display: 'flex', alignItems: 'center', gap: 4, padding: '2px 0' }}>
            <Checkbox data-testid={`col-toggle-${c.key}`} checked={visible.has(c.key)} style={{ flex: 1 }}
              // at least one column stays
              disabled={visible.has(c.key) && visible.size === 1}
              onChange={(e) => save(keys, keys.filter((k) => (k === c.key ? !e.target.checked : !visible.has(k))))}>{c.title || c.key}</Checkbox>
            <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={i === 0} aria-label={t('table.up')} data-testid={`col-up-${c.key}`} onClick={() => move(i, -1)} />
            <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={i === all.length - 1} aria-label={t('table.down')} data-testid={`col-down-${c.key}`} onClick={() => move(i, 1)} />
          </div>
        ))}
      </div>
      <Button size="small" onClick={() => onChange(null)} data-testid="col-reset">{t('table.reset')}</Button>
    </div>
  );
}

function SavedFilterMenu({ storage, filters }: { storage: string; filters: SavedFilters }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [saved, setSaved] = useState<{ name: string; value: Record<string, string> }[]>(() => readJson(storage, []));
  const [naming, setNaming] = useState<string | null>(null);
  const store = (next: typeof saved) => {
    setSaved(next);
    localStorage.setItem(storage, JSON.stringify(next));
  };
  const save = () => {
    const name = (naming ?? '').trim();
    if (!name) {
      message.warning(t('table.nameRequired'));
      return;
    }
    store([...saved.filter((s) => s.name !== name), { name, value: filters.value }]);
    setNaming(null);
    message.success(t('table.savedOk', { name }));
  };
  // Built one by one with the menu's own item type (an inferred array of antd's item union is very costly to check).
  const items: MenuItems = [];
  if (!saved.length) items.push({ key: 'none', disabled: true, label: t('table.noSaved') });
  for (const s of saved) {
    items.push({
      key: `f:${s.name}`,
      label: <span data-testid="saved-filter" style={{ display: 'flex', justifyContent: 'space-between', gap: 16 }}>{s.name}
        <DeleteOutlined aria-label={t('table.deleteSaved')} data-testid="saved-filter-delete" onClick={(e) => { e.stopPropagation(); store(saved.filter((x) => x.name !== s.name)); }} /></span>,
      onClick: () => filters.apply(s.value),
    });
  }
  items.push({ type: 'divider' });
  items.push({ key: 'save', label: <span data-testid="filter-save">{t('table.saveCurrent')}</span>, onClick: () => setNaming('') });
  return (
    <>
      <Dropdown trigger={['click']} menu={{ items }}>
        <Button size="small" icon={<FilterOutlined />} data-testid="saved-filters">{t('table.saved')}</Button>
      </Dropdown>
      <Modal open={naming !== null} title={t('table.saveTitle')} onOk={save} onCancel={() => setNaming(null)} okText={t('app.confirm')} cancelText={t('app.cancel')} destroyOnHidden okButtonProps={{ 'data-testid': 'filter-save-ok' } as Record<string, string>}>
        <Input autoFocus data-testid="filter-name" placeholder={t('table.namePlaceholder')} value={naming ?? ''} maxLength={40} onChange={(e) => setNaming(e.target.value)} onPressEnter={save} />
      </Modal>
    </>
  );
}

/**
 * The console's list table: antd's Table with column settings (show, hide, order; remembered per user in this
 * browser), saved filters per page, and export of what is shown (the shown columns, names not codes, amounts in yuan)
 * to XLSX — this page's rows, or every row of the filters with progress.
 */
export function DataTable<T extends object>({ tableId, columns, exportName, exportAll, savedFilters, toolbar, ...table }: DataTableProps<T>) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { me } = useSession();
  const layoutKey = storageKey('table', me.id, tableId);
  const [layout, setLayout] = useState<Layout | null>(() => readJson<Layout | null>(layoutKey, null));
  const { all, shown } = useMemo(() => arrange(columns, layout), [columns, layout]);
  const [busy, setBusy] = useState(false);
  const changeLayout = (l: Layout | null) => {
    setLayout(l);
    if (l) localStorage.setItem(layoutKey, JSON.stringify(l));
    else localStorage.removeItem(layoutKey);
  };
  const pageRows = table.dataSource;
  const sheet = exportName.slice(0, 31);

  const exportRows = async (which: 'page' | 'all') => {
    setBusy(true);
    const key = `export-${tableId}`;
    try {
      let rows: readonly T[] = pageRows;
      if (which === 'all' && exportAll) {
        const total = Math.min(exportAll.total, MAX_EXPORT);
        const out: T[] = [];
        while (out.length < total) {
          message.open({ key, type: 'loading', content: t('table.exporting', { done: out.length, total }), duration: 0 });
          const page = await exportAll.fetch(out.length, Math.min(exportAll.pageSize ?? EXPORT_PAGE, total - out.length));
          if (!page.length) break;
          out.push(...page);
        }
        rows = out;
        if (exportAll.total > MAX_EXPORT) message.warning(t('table.exportTooMany', { max: MAX_EXPORT }));
      }
      await downloadXlsx(`${exportName}.xlsx`, sheet, shown, rows);
      message.open({ key, type: 'success', content: t('table.exported', { n: rows.length }) });
    } catch (e) {
      message.open({ key, type: 'error', content: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const exportItems: MenuItems = [];
  exportItems.push({ key: 'page', label: <span data-testid="export-page">{t('table.exportPage', { n: pageRows.length })}</span>, onClick: () => void exportRows('page') });
  if (exportAll) exportItems.push({ key: 'all', label: <span data-testid="export-all">{t('table.exportAll', { n: exportAll.total })}</span>, onClick: () => void exportRows('all') });
  const exportButton = exportAll ? (
    <Dropdown trigger={['click']} menu={{ items: exportItems }}>
      <Button size="small" icon={<DownloadOutlined />} loading={busy} data-testid="table-export">{t('table.export')}</Button>
    </Dropdown>
  ) : <Button size="small" icon={<DownloadOutlined />} loading={busy} data-testid="table-export" onClick={() => void exportRows('page')}>{t('table.export')}</Button>;

  return (
    <div data-testid={`table-${tableId}`}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8, marginBottom: 8, flexWrap: 'wrap' }}>
        <div>{toolbar}</div>
        <Space size={6}>
          {savedFilters ? <SavedFilterMenu storage={storageKey('filters', me.id, tableId)} filters={savedFilters} /> : null}
          <Popover trigger="click" placement="bottomRight" title={t('table.columns')} content={<ColumnSettings all={all} shown={shown} onChange={changeLayout} />}>
            <Tooltip title={t('table.columns')}><Button size="small" icon={<SettingOutlined />} data-testid="table-settings">{t('table.columns')}</Button></Tooltip>
          </Popover>
          {exportButton}
        </Space>
      </div>
      <PlainTable locale={{ emptyText: <Empty description={t('app.noData')} /> }} {...table} columns={shown} />
    </div>
  );
}
