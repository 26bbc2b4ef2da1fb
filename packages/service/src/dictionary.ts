import { sql } from 'drizzle-orm';
import { FundGuardError } from '@fundguard/core';
import type { Actor } from './auth/roles.ts';
import type { ServiceContext } from './context.ts';

/**
 * One dictionary of names for the codes people see (the console and exports): institutions, departments, doctors
 * and diagnoses as the stored data names them (the encounters, their lines and diagnoses), regions (统筹区) and the
 * national standard's code tables (医疗保障信息业务编码标准). Names from data are cached for 10 minutes.
 */
export const DICTIONARY_KINDS = ['institutions', 'departments', 'doctors', 'regions', 'diagnoses', 'codes'] as const;
export type DictionaryKind = (typeof DICTIONARY_KINDS)[number];

/** code → name */
export type Names = Record<string, string>;
export interface Dictionary {
  institutions?: Names;
  /** department code → name (codes follow the national 科室代码 table; stored names win) */
  departments?: Names;
  doctors?: Names;
  regions?: Names;
  diagnoses?: Names;
  /** code tables: table → code → [中文, English] */
  codes?: Record<string, Record<string, [string, string]>>;
}

/** 统筹区 (行政区划代码) of the demo's province; '*' is a policy or pack that applies everywhere. */
export const REGIONS: Names = {
  '*': '全部统筹区', '610000': '陕西省', '610100': '西安市', '610102': '新城区', '610103': '碑林区', '610104': '莲湖区', '610111': '灞桥区', '610112': '未央区',
  '610113': '雁塔区', '610114': '阎良区', '610115': '临潼区', '610116': '长安区', '610117': '高陵区', '610118': '鄠邑区', '610122': '蓝田县', '610124': '周至县',
  '610200': '铜川市', '610300': '宝鸡市', '610400': '咸阳市', '610500': '渭南市', '610600': '延安市', '610700': '汉中市', '610800': '榆林市', '610900': '安康市', '611000': '商洛市',
  '110000': '北京市', '310000': '上海市', '440100': '广州市', '440300': '深圳市',
};

/** 诊疗科目 (科室代码) of the national table, the names used when the data names none. */
export const DEPARTMENTS: Names = {
  '01': '预防保健科', '02': '全科医疗科', '03': '内科', '0301': '呼吸内科', '0302': '消化内科', '0303': '神经内科', '0304': '心血管内科', '0305': '血液内科', '0306': '肾病学专业',
  '0307': '内分泌科', '04': '外科', '0401': '普通外科', '0402': '神经外科', '0403': '骨科', '0404': '泌尿外科', '0405': '胸外科', '0406': '心脏大血管外科', '05': '妇产科', '0501': '妇科', '0502': '产科',
  '07': '儿科', '08': '小儿外科', '10': '眼科', '11': '耳鼻咽喉科', '12': '口腔科', '13': '皮肤科', '15': '精神科', '16': '传染科', '19': '肿瘤科', '20': '急诊医学科', '21': '康复医学科',
  '26': '麻醉科', '27': '疼痛科', '28': '重症医学科', '30': '医学检验科', '32': '医学影像科', '50': '中医科', '51': '民族医学科', '52': '中西医结合科',
};

/** Code tables of the national standard used on screens and in exports. */
export const CODE_TABLES: Record<string, Record<string, [string, string]>> = {
  med_mdtrt_type: { '1': ['门诊', 'outpatient'], '2': ['住院', 'inpatient'], '3': ['药店购药', 'pharmacy'] },
  med_type: {
    '11': ['普通门诊', 'general outpatient'], '12': ['门诊挂号', 'registration'], '13': ['急诊', 'emergency'], '14': ['门诊慢特病', 'chronic/special outpatient'], '15': ['门诊统筹', 'outpatient pooling'],
    '21': ['普通住院', 'inpatient'], '22': ['外伤住院', 'injury inpatient'], '23': ['转外诊治住院', 'referred inpatient'], '24': ['急诊转住院', 'emergency to inpatient'], '41': ['定点药店购药', 'pharmacy purchase'],
    '51': ['生育门诊', 'maternity outpatient'], '52': ['生育住院', 'maternity inpatient'], '9901': ['其他门诊', 'other outpatient'], '9902': ['其他住院', 'other inpatient'],
  },
  insutype: {
    '310': ['职工基本医疗保险', 'employee basic medical insurance'], '320': ['公务员医疗补助', 'civil servant subsidy'], '330': ['大额医疗费用补助', 'large-expense subsidy'], '340': ['离休人员医疗保障', 'retired cadres'],
    '390': ['城乡居民基本医疗保险', 'resident basic medical insurance'], '392': ['城乡居民大病医疗保险', 'resident catastrophic insurance'], '510': ['生育保险', 'maternity insurance'],
  },
  hilist_lv: { '01': ['甲类', 'class A'], '02': ['乙类', 'class B'], '03': ['丙类（目录外）', 'class C (outside the catalogue)'] },
  hilist_type: { '101': ['西药', 'western medicine'], '102': ['中成药', 'Chinese patent medicine'], '103': ['中药饮片', 'Chinese herbal pieces'], '201': ['医疗服务项目', 'medical service'], '301': ['医用耗材', 'medical consumable'] },
  chrg_type: {
    '01': ['床位费', 'bed'], '02': ['诊察费', 'consultation'], '03': ['检查费', 'examination'], '04': ['化验费', 'laboratory'], '05': ['治疗费', 'treatment'], '06': ['手术费', 'surgery'], '07': ['护理费', 'nursing'],
    '08': ['卫生材料费', 'materials'], '09': ['西药费', 'western medicine'], '10': ['中药饮片费', 'herbal pieces'], '11': ['中成药费', 'patent medicine'], '12': ['一般诊疗费', 'general consultation'], '13': ['挂号费', 'registration'], '14': ['其他费', 'other'],
  },
  gend: { '0': ['未知', 'unknown'], '1': ['男', 'male'], '2': ['女', 'female'], '9': ['未说明', 'unstated'] },
  medins_lv: {
    '1': ['三级', 'tertiary'], '2': ['二级', 'secondary'], '3': ['一级', 'primary'], '9': ['未定级', 'unrated'],
    '01': ['三级特等', 'tertiary special'], '02': ['三级甲等', 'tertiary A'], '03': ['三级乙等', 'tertiary B'], '04': ['三级丙等', 'tertiary C'], '05': ['二级甲等', 'secondary A'], '06': ['二级乙等', 'secondary B'],
    '07': ['二级丙等', 'secondary C'], '08': ['一级甲等', 'primary A'], '09': ['一级乙等', 'primary B'], '10': ['一级丙等', 'primary C'], '11': ['无等级', 'unrated'],
  },
  scenario: { inpatient: ['住院', 'inpatient'], outpatient: ['门诊', 'outpatient'], outpatient_chronic: ['门诊慢特病', 'chronic outpatient'], pharmacy: ['药店', 'pharmacy'] },
  setl_status: { settled: ['已结算', 'settled'], reversed: ['已冲销', 'reversed'] },
};

const TTL_MS = 600_000;
const READERS = ['admin', 'auditor', 'supervisor', 'rule_admin', 'hospital', 'insured'];

export class DictionaryService {
  private cache: { at: number; value: Promise<Required<Omit<Dictionary, 'codes' | 'regions'>>> } | null = null;

  constructor(private readonly ctx: ServiceContext) {}

  async get(actor: Actor, kinds: readonly DictionaryKind[] = DICTIONARY_KINDS): Promise<Dictionary> {
    if (!READERS.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read the dictionary`);
    const unknown = kinds.filter((k) => !DICTIONARY_KINDS.includes(k));
    if (unknown.length) throw new FundGuardError('E_INPUT_INVALID', `kinds: any of ${DICTIONARY_KINDS.join(', ')}`, unknown.map((k) => ({ field: 'kinds', value: k, reason: `must be one of ${DICTIONARY_KINDS.join(', ')}` })));
    const out: Dictionary = {};
    if (kinds.includes('regions')) out.regions = REGIONS;
    if (kinds.includes('codes')) out.codes = CODE_TABLES;
    if (kinds.some((k) => k !== 'regions' && k !== 'codes')) {
      const data = await this.fromData();
      for (const k of ['institutions', 'departments', 'doctors', 'diagnoses'] as const) if (kinds.includes(k)) out[k] = data[k];
    }
    return out;
  }

  /** Forget cached names (after an import). */
  invalidate(): void {
    this.cache = null;
  }

  private fromData() {
    const now = this.ctx.clock().getTime();
    if (!this.cache || now - this.cache.at > TTL_MS) {
      const value = this.load();
      this.cache = { at: now, value };
      value.catch(() => (this.cache = null));
    }
    return this.cache.value;
  }

  private async load() {
    const db = this.ctx.database;
    const names = (rows: { code: string; name: string }[], base: Names = {}) => {
      const out: Names = { ...base };
      for (const r of rows) if (r.code && r.name) out[r.code] = r.name;
      return out;
    };
    const institutions = names(await db.rows<{ code: string; name: string }>(sql`
      select medins_id as code, max(medins_name) as name from encounters where medins_name <> '' group by medins_id`));
    const departments = names(await db.rows<{ code: string; name: string }>(sql`
      select code, max(name) as name from (
        select adm_dept_codg as code, adm_dept_name as name from encounters where adm_dept_name <> ''
        union all select dscg_dept_codg, dscg_dept_name from encounters where dscg_dept_name <> '') d group by code`), DEPARTMENTS);
    const doctors = names(await db.rows<{ code: string; name: string }>(sql`
      select drord_dr_codg as code, max(drord_dr_name) as name from order_lines where drord_dr_name <> '' and drord_dr_codg <> '' group by drord_dr_codg`));
    const diagnoses = names(await db.rows<{ code: string; name: string }>(sql`
      select code, max(name) as name from (
        select dscg_main_dise_codg as code, dscg_main_dise_name as name from encounters where dscg_main_dise_name <> ''
        union all select dise_codg, dise_name from diagnoses where dise_name <> '') d group by code`));
    return { institutions, departments, doctors, diagnoses };
  }
}
