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
  /** department code → name, as the data names them (institutions' own codes differ) */
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

/**
 * Names of common diagnoses of the 医保疾病诊断分类与代码 (ICD-10 医保版), used where the stored data names none;
 * names in the data (encounters, diagnoses, imports) win.
 */
export const DIAGNOSES: Names = {
  'A09.900': '感染性腹泻', 'C16.900': '胃恶性肿瘤', 'D25.900': '子宫平滑肌瘤', 'E05.900': '甲状腺毒症', 'E10.900': '1型糖尿病不伴有并发症', 'E11.200': '2型糖尿病伴有肾的并发症',
  'E11.900': '2型糖尿病不伴有并发症', 'E66.900': '肥胖症', 'G20.x00': '帕金森病', 'G45.900': '短暂性脑缺血发作', 'I10.x00': '特发性（原发性）高血压', 'I12.000': '高血压肾病伴有肾衰竭',
  'I20.000': '不稳定性心绞痛', 'I25.100': '动脉硬化性心脏病', 'I48.x00': '心房纤颤和扑动', 'I50.900': '心力衰竭', 'I61.900': '脑内出血', 'I63.900': '脑梗死',
  'J06.900': '急性上呼吸道感染', 'J18.900': '肺炎', 'J20.900': '急性支气管炎', 'J21.900': '急性细支气管炎', 'J44.100': '慢性阻塞性肺病伴有急性加重', 'J45.900': '哮喘',
  'K29.700': '胃炎', 'K35.800': '急性阑尾炎', 'K40.900': '单侧或未特指的腹股沟疝，不伴有梗阻或坏疽', 'K52.900': '非感染性胃肠炎和结肠炎', 'K56.700': '肠梗阻', 'K74.600': '肝硬化',
  'K80.200': '胆囊结石不伴有胆囊炎', 'K80.201': '胆囊结石伴急性胆囊炎', 'K81.000': '急性胆囊炎', 'K92.200': '胃肠出血', 'M17.900': '膝关节病', 'M48.000': '椎管狭窄', 'M51.200': '腰椎间盘移位',
  'N04.900': '肾病综合征', 'N18.500': '慢性肾脏病5期', 'N25.800': '肾小管功能受损引起的其他疾患', 'N76.000': '急性阴道炎', 'N83.200': '卵巢囊肿', 'N92.000': '月经过多和频繁伴有规则周期',
  'R18.x00': '腹水', 'R50.900': '发热', 'R51.x00': '头痛', 'S72.000': '股骨颈骨折', 'S82.200': '胫骨骨干骨折', 'Z30.100': '放置（宫内）避孕装置', 'Z76.000': '开具重复处方',
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
  /** violation categories of rule-pack.md §4 (vola_bhvr_type) */
  category: {
    GENDER: ['限性别', 'gender restriction'], AGE: ['限年龄', 'age restriction'], INDICATION: ['限定支付范围', 'restricted indication'], INSTITUTION_LEVEL: ['限医疗机构级别', 'institution level'],
    SETTING: ['限就医方式', 'care setting'], QUANTITY: ['超量', 'over quantity'], FREQUENCY: ['超频次', 'over frequency'], LENGTH_OF_STAY: ['超住院天数计费', 'beyond length of stay'],
    PRESCRIPTION: ['处方超量', 'prescription limit'], EXCLUSIVE: ['互斥收费', 'mutually exclusive items'], UNBUNDLING: ['分解收费', 'unbundling'], STACKING: ['同类叠加用药', 'same-class stacking'],
    PREREQUISITE: ['缺少前置项目', 'missing prerequisite'], DUPLICATE: ['重复计费', 'duplicate billing'], CATALOGUE: ['目录外/超限价', 'outside catalogue / over price cap'],
    ELIGIBILITY: ['黑名单/暂停结算', 'blacklist / suspended'], READMISSION: ['分解住院', 'split admission'], ADMISSION_FREQUENCY: ['频繁住院', 'frequent admissions'],
    CO_ADMISSION: ['同进同出', 'admitted together'], SIMILAR_COST: ['费用雷同', 'near-identical costs'], GHOST_BED: ['挂床', 'ghost bed'], PEER_OUTLIER: ['同行异常', 'peer outlier'],
  },
};

const TTL_MS = 600_000;
const READERS = ['admin', 'auditor', 'supervisor', 'rule_admin', 'hospital', 'insured'];

type DataKind = 'institutions' | 'departments' | 'doctors' | 'diagnoses';

const shared = new WeakMap<ServiceContext, DictionaryService>();

/** The one dictionary of a service context (its cache shared by the dictionary route and the exports). */
export function dictionaryOf(ctx: ServiceContext): DictionaryService {
  let d = shared.get(ctx);
  if (!d) shared.set(ctx, (d = new DictionaryService(ctx)));
  return d;
}

export class DictionaryService {
  private readonly cache = new Map<DataKind, { at: number; value: Promise<Names> }>();

  constructor(private readonly ctx: ServiceContext) {}

  /** Every kind but doctors (a scan of the order lines) unless asked for. */
  async get(actor: Actor, kinds: readonly DictionaryKind[] = DICTIONARY_KINDS.filter((k) => k !== 'doctors')): Promise<Dictionary> {
    if (!READERS.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read the dictionary`);
    const unknown = kinds.filter((k) => !DICTIONARY_KINDS.includes(k));
    if (unknown.length) throw new FundGuardError('E_INPUT_INVALID', `kinds: any of ${DICTIONARY_KINDS.join(', ')}`, unknown.map((k) => ({ field: 'kinds', value: k, reason: `must be one of ${DICTIONARY_KINDS.join(', ')}` })));
    const out: Dictionary = {};
    if (kinds.includes('regions')) out.regions = REGIONS;
    if (kinds.includes('codes')) out.codes = CODE_TABLES;
    for (const k of ['institutions', 'departments', 'doctors', 'diagnoses'] as const) if (kinds.includes(k)) out[k] = await this.fromData(k);
    return out;
  }

  /** Forget cached names (after an import). */
  invalidate(): void {
    this.cache.clear();
  }

  private fromData(kind: DataKind): Promise<Names> {
    const now = this.ctx.clock().getTime();
    const hit = this.cache.get(kind);
    if (hit && now - hit.at <= TTL_MS) return hit.value;
    const value = this.load(kind);
    this.cache.set(kind, { at: now, value });
    value.catch(() => this.cache.delete(kind));
    return value;
  }

  private async load(kind: DataKind): Promise<Names> {
    const db = this.ctx.database;
    const names = (rows: { code: string; name: string }[], base: Names = {}) => {
      const out: Names = { ...base };
      for (const r of rows) if (r.code && r.name) out[r.code] = r.name;
      return out;
    };
    switch (kind) {
      case 'institutions':
        return names(await db.rows<{ code: string; name: string }>(sql`
          select medins_id as code, max(medins_name) as name from encounters where medins_name <> '' group by medins_id`));
      case 'departments':
        return names(await db.rows<{ code: string; name: string }>(sql`
          select code, max(name) as name from (
            select adm_dept_codg as code, adm_dept_name as name from encounters where adm_dept_name <> ''
            union all select dscg_dept_codg, dscg_dept_name from encounters where dscg_dept_name <> '') d group by code`));
      case 'doctors':
        return names(await db.rows<{ code: string; name: string }>(sql`
          select drord_dr_codg as code, max(drord_dr_name) as name from order_lines where drord_dr_name <> '' and drord_dr_codg <> '' group by drord_dr_codg`));
      case 'diagnoses':
        return names(await db.rows<{ code: string; name: string }>(sql`
          select code, max(name) as name from (
            select dscg_main_dise_codg as code, dscg_main_dise_name as name from encounters where dscg_main_dise_name <> ''
            union all select dise_codg, dise_name from diagnoses where dise_name <> '') d group by code`), DIAGNOSES);
    }
  }
}
