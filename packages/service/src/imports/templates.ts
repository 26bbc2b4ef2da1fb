import { CATALOGUE_REQUIRED, LIST_REQUIRED, type CATALOGUE_COLUMNS, type LIST_COLUMNS } from '@fundguard/core';
import { loadExcel } from '../lazy-modules.ts';

/** The imports people fill in from a spreadsheet; each has a downloadable XLSX template. */
export const TEMPLATE_KINDS = ['catalogue', 'lists', 'encounters', 'policies'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** One column: the national field name (what the importer reads), its Chinese label, whether required, what it holds. */
interface Column {
  field: string;
  label: string;
  required?: boolean;
  note: string;
  example: string;
}

const CATALOGUE: Record<(typeof CATALOGUE_COLUMNS)[number], Omit<Column, 'field' | 'required'>> = {
  hilist_code: { label: '医保目录编码', note: '国家医保目录代码', example: 'XB05AAR014B002010104321' },
  hilist_name: { label: '目录名称', note: '药品、项目或耗材名称', example: '人血白蛋白注射液' },
  hilist_type: { label: '目录类别', note: '101 西药中成药，102 中药饮片，201 医疗服务项目，301 医用耗材', example: '101' },
  hilist_lv: { label: '甲乙丙类', note: '01 甲类，02 乙类，03 丙类', example: '02' },
  selfpay_prop: { label: '先行自付比例', note: '乙类的先行自付比例，0–1（如 0.1）', example: '0.1' },
  price_cap: { label: '最高限价（元）', note: '以元为单位', example: '400.00' },
  unit: { label: '计价单位', note: '如 瓶、次、根', example: '瓶' },
  limit_text: { label: '限定支付范围', note: '目录原文，作为证据保存（规则另行配置）', example: '限抢救、重症或因肝硬化、癌症引起胸腹水的患者，且白蛋白低于30g/L' },
  group_codes: { label: '编码组', note: '用分号分隔的组名（如 GINKGO_INJ），并入规则包的编码组', example: 'HUMAN_ALBUMIN' },
  region: { label: '统筹区', note: '6 位统筹区代码，留空为全国（*）', example: '' },
  effective_from: { label: '生效日期', note: 'YYYY-MM-DD，留空为不限', example: '2024-01-01' },
  effective_to: { label: '失效日期', note: 'YYYY-MM-DD（不含当日），留空为长期有效', example: '' },
};

const LISTS: Record<(typeof LIST_COLUMNS)[number], Omit<Column, 'field' | 'required'>> = {
  list: { label: '名单类型', note: 'blacklist 黑名单，suspended 暂停结算，watch 重点关注，deceased 死亡人员，或部署方命名的关注名单（如 poverty 建档立卡）', example: 'blacklist' },
  subject_type: { label: '对象类型', note: 'institution 机构，doctor 医师，patient 参保人', example: 'doctor' },
  subject_code: { label: '对象编码', note: '机构编码、医师编码或人员编号（死亡人员为人员编号）', example: 'D610100001' },
  reason: { label: '原因', note: '列入名单的原因或来源', example: '2024年专项检查查实串换药品' },
  effective_from: { label: '开始日期', note: 'YYYY-MM-DD（死亡人员为死亡日期）', example: '2024-07-01' },
  effective_to: { label: '结束日期', note: 'YYYY-MM-DD（不含当日），留空为长期', example: '' },
};

/** The encounter workbook of claims-import.md: three sheets joined by mdtrt_id. */
const ENCOUNTER_SHEETS: { sheet: string; title: string; columns: Column[] }[] = [
  { sheet: 'encounters', title: '就诊（含参保人）', columns: [
    { field: 'mdtrt_id', label: '就诊ID', required: true, note: '就诊流水号，唯一；再次导入同一就诊ID即替换', example: 'ZY2024031000123' },
    { field: 'patn_id', label: '人员编号', required: true, note: '参保人编号', example: 'P610104001' },
    { field: 'patn_name', label: '姓名', required: true, note: '参保人姓名', example: '张三' },
    { field: 'gend', label: '性别', required: true, note: '1 男，2 女，9 未说明', example: '1' },
    { field: 'brdy', label: '出生日期', required: true, note: 'YYYY-MM-DD', example: '1958-06-01' },
    { field: 'poolarea', label: '参保统筹区', required: true, note: '6 位统筹区代码', example: '610100' },
    { field: 'medins_id', label: '定点机构编码', required: true, note: '医疗机构编码', example: 'H61010400001' },
    { field: 'medins_name', label: '定点机构名称', note: '', example: '西安市示例医院' },
    { field: 'medins_lv', label: '机构等级', required: true, note: '01 三级 … 按国家代码', example: '01' },
    { field: 'medins_admdvs', label: '机构所在统筹区', note: '6 位代码', example: '610100' },
    { field: 'adm_date', label: '入院/就诊时间', required: true, note: 'YYYY-MM-DD HH:MM:SS', example: '2024-03-10 08:30:00' },
    { field: 'dscg_date', label: '出院时间', note: 'YYYY-MM-DD HH:MM:SS，门诊可留空', example: '2024-03-15 10:00:00' },
    { field: 'med_mdtrt_type', label: '就诊类型', required: true, note: '1 门诊，2 住院，3 急诊 …', example: '2' },
    { field: 'insutype', label: '险种', required: true, note: '310 职工基本医疗保险，390 城乡居民基本医疗保险', example: '310' },
    { field: 'adm_dept_codg', label: '入院科室编码', note: '', example: '0301' },
    { field: 'adm_dept_name', label: '入院科室名称', note: '', example: '消化内科' },
    { field: 'dr_codg', label: '主诊医师编码', note: '', example: 'D610100001' },
    { field: 'dscg_main_dise_codg', label: '出院主诊断编码', note: 'ICD-10 医保版', example: 'K74.600' },
    { field: 'dscg_main_dise_name', label: '出院主诊断名称', note: '', example: '肝硬化' },
    { field: 'medfee_sumamt', label: '医疗费总额（元）', note: '以元为单位', example: '770.00' },
    { field: 'ext_flags', label: '临床情形标记', note: '用分号分隔（如 rescue;severe：抢救、重症）', example: 'severe' },
  ] },
  { sheet: 'orders', title: '医嘱/费用明细', columns: [
    { field: 'mdtrt_id', label: '就诊ID', required: true, note: '对应 encounters 页的就诊ID', example: 'ZY2024031000123' },
    { field: 'rx_id', label: '处方(医嘱)标识', required: true, note: '就诊内唯一', example: 'R001' },
    { field: 'hilist_code', label: '医保目录编码', required: true, note: '', example: 'XB05AAR014B002010104321' },
    { field: 'hilist_name', label: '医保目录名称', required: true, note: '', example: '人血白蛋白注射液' },
    { field: 'hilist_type', label: '目录类别', note: '101/102/201/301', example: '101' },
    { field: 'hilist_lv', label: '甲乙丙类', note: '01/02/03', example: '02' },
    { field: 'cnt', label: '数量', required: true, note: '大于 0', example: '2' },
    { field: 'pric', label: '单价（元）', required: true, note: '以元为单位', example: '385.00' },
    { field: 'sumamt', label: '明细金额（元）', required: true, note: '应等于 数量 × 单价（相差超过 1 分时作为数据质量提示）', example: '770.00' },
    { field: 'drord_dept_codg', label: '开单科室编码', note: '', example: '0301' },
    { field: 'drord_dr_codg', label: '开单医师编码', note: '', example: 'D610100001' },
    { field: 'drord_begn_date', label: '医嘱开始时间', note: 'YYYY-MM-DD HH:MM:SS', example: '2024-03-11 09:00:00' },
  ] },
  { sheet: 'diagnoses', title: '诊断', columns: [
    { field: 'mdtrt_id', label: '就诊ID', required: true, note: '对应 encounters 页的就诊ID', example: 'ZY2024031000123' },
    { field: 'dise_codg', label: '诊断编码', required: true, note: 'ICD-10 医保版', example: 'K74.600' },
    { field: 'dise_name', label: '诊断名称', note: '', example: '肝硬化' },
    { field: 'maindise_flag', label: '主诊断标志', note: '1 是，0 否', example: '1' },
    { field: 'inout_dise_type', label: '出入院诊断类别', note: '1 入院诊断，2 出院诊断', example: '2' },
  ] },
];

/** A policy set (settlement.md) as the two-column sheet policySheets reads: 字段 (dotted path), 值, and 说明. */
const POLICY_ROWS: [string, string | number, string][] = [
  ['region', '610100', '统筹区代码'],
  ['year', 2024, '年度'],
  ['insutype', '310', '险种：310 职工，390 居民'],
  ['scenario', 'inpatient', '场景：inpatient 住院，outpatient 门诊'],
  ['version', '2024.1', '版本号（同一统筹区、年度、险种、场景内唯一）'],
  ['effective_from', '2024-01-01', '生效日期（可留空，默认年度首日）'],
  ['deductible.by_level.3', 1000, '起付线（元）：三级医院'],
  ['deductible.by_level.2', 600, '起付线（元）：二级医院'],
  ['deductible.by_level.1', 300, '起付线（元）：一级医院'],
  ['deductible.nth_admission_factor', '1,0.5,0.5,0', '年内第 1、2、3、4 次及以后住院的起付线系数，逗号分隔'],
  ['ratio.by_level.3', 0.85, '统筹支付比例：三级医院'],
  ['ratio.by_level.2', 0.9, '统筹支付比例：二级医院'],
  ['ratio.by_level.1', 0.95, '统筹支付比例：一级医院'],
  ['ratio.retiree_add', 0.05, '退休人员增加的比例'],
  ['ratio.max', 0.95, '比例上限'],
  ['annual_cap', 150000, '统筹基金年度最高支付限额（元）'],
  ['catastrophic.threshold', 20000, '大病保险起付标准（元）'],
  ['catastrophic.bands.0.upto', 100000, '大病保险第 1 段上限（元）'],
  ['catastrophic.bands.0.ratio', 0.6, '大病保险第 1 段支付比例'],
  ['catastrophic.bands.1.upto', '', '大病保险第 2 段上限（留空为不设上限）'],
  ['catastrophic.bands.1.ratio', 0.7, '大病保险第 2 段支付比例'],
  ['catastrophic.annual_cap', 400000, '大病保险年度最高支付限额（元）'],
];

const header = (c: Column) => `${c.label} (${c.field})`;

function columnsOf<K extends string>(spec: Record<K, Omit<Column, 'field' | 'required'>>, required: readonly string[]): Column[] {
  return (Object.keys(spec) as K[]).map((field) => ({ field, required: required.includes(field), ...spec[field] }));
}

/**
 * The XLSX template of an import: a data sheet per table with headers `中文名 (national_field)` (the importer reads
 * the field in the brackets), one example row that imports as it is, and a 说明 sheet explaining every field.
 * Policy sets: one sheet per set (字段 / 值 / 说明) and the 说明 sheet, which the policy importer skips.
 */
export async function importTemplate(kind: TemplateKind): Promise<{ fileName: string; body: Buffer }> {
  const ExcelJS = await loadExcel();
  const wb = new ExcelJS.Workbook();
  wb.creator = 'FundGuard';
  const bold = { bold: true } as const;
  const guide: { sheet: string; columns: Column[] }[] = [];
  const dataSheet = (name: string, columns: Column[]) => {
    const ws = wb.addWorksheet(name);
    ws.addRow(columns.map(header)).font = bold;
    // Text cells: codes keep their leading zeros (01, 0301) when the file is opened and saved again.
    ws.addRow(columns.map((c) => c.example));
    columns.forEach((c, i) => {
      const col = ws.getColumn(i + 1);
      col.width = Math.min(40, Math.max(14, header(c).length * 1.6));
      col.numFmt = '@';
    });
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    guide.push({ sheet: name, columns });
  };
  let fileName: string;
  if (kind === 'catalogue') {
    dataSheet('目录', columnsOf(CATALOGUE, CATALOGUE_REQUIRED));
    fileName = '医保目录导入模板.xlsx';
  } else if (kind === 'lists') {
    dataSheet('名单', columnsOf(LISTS, LIST_REQUIRED));
    fileName = '名单导入模板.xlsx';
  } else if (kind === 'encounters') {
    for (const s of ENCOUNTER_SHEETS) dataSheet(s.sheet, s.columns);
    fileName = '就诊数据导入模板.xlsx';
  } else {
    const ws = wb.addWorksheet('职工住院');
    ws.addRow(['字段', '值', '说明']).font = bold;
    for (const r of POLICY_ROWS) ws.addRow(r);
    ws.getColumn(1).width = 34;
    ws.getColumn(2).width = 16;
    ws.getColumn(3).width = 60;
    guide.push({ sheet: '职工住院', columns: POLICY_ROWS.map(([field, example, note]) => ({ field, label: note, note: '', example: String(example) })) });
    fileName = '待遇政策参数导入模板.xlsx';
  }
  const help = wb.addWorksheet('说明');
  help.addRow(['工作表', '列（中文名）', '国家标准字段名', '必填', '说明', '示例']).font = bold;
  for (const g of guide) for (const c of g.columns) help.addRow([g.sheet, c.label, c.field, c.required ? '是' : '', c.note, c.example]);
  help.addRow([]);
  help.addRow([kind === 'policies'
    ? '每个工作表是一套政策参数（“说明”页除外）：A 列字段路径，B 列值；比例为 0–1 的小数，金额以元为单位。'
    : '第一行是表头：导入时只读括号中的国家标准字段名，中文名可保留。第二行是示例，可直接导入，使用时请替换为实际数据。金额以元为单位；日期写作 YYYY-MM-DD。整个文件全部校验通过才导入，任何一行有错则不导入任何数据，并列出行号、字段和原因。']);
  [12, 22, 22, 6, 60, 30].forEach((w, i) => (help.getColumn(i + 1).width = w));
  return { fileName, body: Buffer.from(await wb.xlsx.writeBuffer()) };
}
