/** Reference data the generator draws from: institutions, departments, diagnoses and the billable items. */
export interface ItemDef {
  code: string;
  name: string;
  /** 101 西药中成药, 102 中药饮片, 201 医疗服务项目, 301 医用耗材 */
  type: '101' | '102' | '201' | '301';
  /** 01 甲 02 乙 03 丙 */
  lv: '01' | '02' | '03';
  /** price in fen */
  price: number;
  unit: string;
  groups?: string[];
  /** catalogue price ceiling (fen) */
  cap?: number;
}

export const DEPARTMENTS = [
  { code: '0101', name: '呼吸内科', dx: ['J18.900', 'J44.100', 'J20.900', 'J45.900', 'J06.900'] },
  { code: '0201', name: '心血管内科', dx: ['I10.x00', 'I25.100', 'I50.900', 'I48.x00', 'I20.000'] },
  { code: '0303', name: '消化内科', dx: ['K74.600', 'K29.700', 'K80.200', 'K92.200', 'K52.900'] },
  { code: '0401', name: '普通外科', dx: ['K35.800', 'K40.900', 'K81.000', 'K56.700', 'C16.900'] },
  { code: '0502', name: '骨科', dx: ['S72.000', 'M17.900', 'M51.200', 'S82.200', 'M48.000'] },
  { code: '0601', name: '神经内科', dx: ['I63.900', 'G45.900', 'I61.900', 'G20.x00', 'R51.x00'] },
  { code: '0701', name: '妇科', dx: ['N83.200', 'D25.900', 'N76.000', 'N92.000', 'Z30.100'] },
  { code: '0801', name: '儿科', dx: ['J06.900', 'A09.900', 'J18.900', 'R50.900', 'J21.900'] },
  { code: '0901', name: '肾内科', dx: ['N18.500', 'N04.900', 'N25.800', 'E11.200', 'I12.000'] },
  { code: '1001', name: '内分泌科', dx: ['E11.900', 'E11.200', 'E10.900', 'E05.900', 'E66.900'] },
] as const;

export const DISTRICTS = ['610102', '610103', '610104', '610111', '610112', '610113', '610114', '610115', '610116'];
export const POOLAREA = '610100';

/** Items billed in ordinary care (the clean baseline). */
export const DRUGS: ItemDef[] = [
  { code: 'XC09AAA001A001010100001', name: '卡托普利片', type: '101', lv: '01', price: 1250, unit: '盒' },
  { code: 'XC08CAA010A001010100011', name: '苯磺酸氨氯地平片', type: '101', lv: '01', price: 2860, unit: '盒' },
  { code: 'XA10BAE045A001010100223', name: '盐酸二甲双胍片', type: '101', lv: '01', price: 1580, unit: '盒' },
  { code: 'XJ01DCT012A001010100117', name: '头孢呋辛酯片', type: '101', lv: '02', price: 3650, unit: '盒', cap: 4500 },
  { code: 'XJ01CRA107E001010100019', name: '阿莫西林克拉维酸钾颗粒', type: '101', lv: '02', price: 2240, unit: '盒' },
  { code: 'XN02BEA001A001010100001', name: '对乙酰氨基酚片', type: '101', lv: '01', price: 680, unit: '盒' },
  { code: 'XA02BCA007A001010100125', name: '奥美拉唑肠溶胶囊', type: '101', lv: '01', price: 1890, unit: '盒' },
  { code: 'XB01ACA056A001010100332', name: '阿司匹林肠溶片', type: '101', lv: '01', price: 1520, unit: '盒' },
  { code: 'XC10AAA039A001010100417', name: '阿托伐他汀钙片', type: '101', lv: '01', price: 2980, unit: '盒' },
  { code: 'XR05CBX001B002010100098', name: '盐酸氨溴索注射液', type: '101', lv: '02', price: 1260, unit: '支' },
  { code: 'XB05BBL007B002010100210', name: '氯化钠注射液', type: '101', lv: '01', price: 450, unit: '袋' },
  { code: 'XB05BAG006B002010100220', name: '葡萄糖注射液', type: '101', lv: '01', price: 520, unit: '袋' },
  { code: 'XJ01DDT030B001010100334', name: '注射用头孢曲松钠', type: '101', lv: '01', price: 1880, unit: '瓶' },
  { code: 'XA11HAV002A001010100087', name: '维生素B6片', type: '101', lv: '03', price: 320, unit: '瓶' },
  { code: 'ZA06BAL0012010100118', name: '连花清瘟胶囊', type: '101', lv: '02', price: 1950, unit: '盒' },
];

export const HERBS: ItemDef[] = ['黄芪', '当归', '党参', '白术', '茯苓', '甘草', '川芎', '白芍', '熟地黄', '陈皮', '半夏', '柴胡', '黄芩', '丹参', '红花', '桃仁', '枸杞子', '山药', '麦冬', '五味子']
  .map((name, i) => ({ code: `T${String(1001 + i).padStart(6, '0')}`, name, type: '102' as const, lv: '01' as const, price: 60 + i * 7, unit: '克' }));

export const SERVICES = {
  bed: { code: '110900001', name: '普通病房床位费', type: '201', lv: '01', price: 3000, unit: '日', groups: [] } as ItemDef,
  nursing: { code: '120100002', name: '二级护理', type: '201', lv: '01', price: 2600, unit: '日' } as ItemDef,
  examFee: { code: '110300001', name: '住院诊查费', type: '201', lv: '01', price: 1500, unit: '日' } as ItemDef,
  opRegistration: { code: '110200001', name: '普通门诊诊查费', type: '201', lv: '01', price: 1000, unit: '次' } as ItemDef,
  bloodRoutine: { code: '250101001', name: '血常规', type: '201', lv: '01', price: 2000, unit: '次' } as ItemDef,
  liverFunction: { code: '250305001', name: '肝功能', type: '201', lv: '01', price: 4500, unit: '次' } as ItemDef,
  albuminTest: { code: '250305011', name: '血清白蛋白测定', type: '201', lv: '01', price: 500, unit: '项' } as ItemDef,
  ecg: { code: '310701001', name: '常规心电图', type: '201', lv: '01', price: 2500, unit: '次' } as ItemDef,
  ctHead: { code: '210300001', name: '颅脑CT平扫', type: '201', lv: '01', price: 15000, unit: '次' } as ItemDef,
  ultrasound: { code: '220201001', name: '腹部B超', type: '201', lv: '01', price: 8000, unit: '次' } as ItemDef,
  infusion: { code: '121400002', name: '静脉输液', type: '201', lv: '01', price: 800, unit: '次' } as ItemDef,
  injection: { code: '121300001', name: '肌肉注射', type: '201', lv: '01', price: 300, unit: '次' } as ItemDef,
  dialysis: { code: '311000001', name: '血液透析', type: '201', lv: '01', price: 42000, unit: '次' } as ItemDef,
  nrs: { code: '120400020', name: '营养风险筛查', type: '201', lv: '01', price: 1000, unit: '次', groups: ['NRS_SCREEN'] } as ItemDef,
  ercp: { code: '310903007', name: '经内镜逆行胰胆管造影(ERCP)', type: '201', lv: '01', price: 165800, unit: '次' } as ItemDef,
  ercpStone: { code: '330703023', name: '经内镜胆管取石术', type: '201', lv: '01', price: 320000, unit: '次', groups: ['ERCP_THERAPY'] } as ItemDef,
  angio: { code: '320600001', name: '全脑动脉造影术', type: '201', lv: '01', price: 180000, unit: '次' } as ItemDef,
  pediatric: { code: '310100019', name: '儿童发育评估', type: '201', lv: '01', price: 6000, unit: '次', groups: ['PEDIATRIC'] } as ItemDef,
  iudInsertion: { code: '311201009', name: '宫内节育器放置术', type: '201', lv: '01', price: 12000, unit: '次', groups: ['IUD'] } as ItemDef,
};

export const CONSUMABLES = {
  catheter: { code: 'C03010101001000000001', name: '造影导管', type: '301', lv: '02', price: 38000, unit: '根', cap: 42000 } as ItemDef,
  guideWire: { code: 'C03010107001000000089', name: '血管造影导丝', type: '301', lv: '02', price: 25200, unit: '根', groups: ['GUIDE_WIRE'] } as ItemDef,
  syringe: { code: 'C02020101001000000017', name: '一次性注射器', type: '301', lv: '01', price: 120, unit: '支', cap: 150 } as ItemDef,
  infusionSet: { code: 'C02010101001000000021', name: '一次性输液器', type: '301', lv: '01', price: 450, unit: '套', cap: 500 } as ItemDef,
  iud: { code: 'C14080200100000000201', name: '宫内节育器', type: '301', lv: '02', price: 12000, unit: '个', groups: ['IUD'] } as ItemDef,
};

/** Items the national-sample rules restrict (billed correctly in the baseline, wrongly when a violation is injected). */
export const RESTRICTED = {
  albumin: { code: 'XB05AAR014B002010104321', name: '人血白蛋白注射液', type: '101', lv: '02', price: 38500, unit: '瓶', groups: ['HUMAN_ALBUMIN'] } as ItemDef,
  daptomycin: { code: 'XJ01XXD205B001010104669', name: '注射用达托霉素', type: '101', lv: '02', price: 51000, unit: '瓶', groups: ['DAPTOMYCIN'] } as ItemDef,
  linezolid: { code: 'XJ01XXL076A001010101577', name: '利奈唑胺片', type: '101', lv: '02', price: 12865, unit: '片', groups: ['LINEZOLID'] } as ItemDef,
  cinacalcet: { code: 'XH05BXX108A001010104443', name: '盐酸西那卡塞片', type: '101', lv: '02', price: 8076, unit: '片', groups: ['CINACALCET'] } as ItemDef,
  sevoflurane: { code: 'XN01ABQ012L001010100986', name: '七氟烷吸入溶液', type: '101', lv: '02', price: 61300, unit: '瓶', groups: ['SEVOFLURANE'] } as ItemDef,
  guanxinning: { code: 'ZA12HAG0451010105113', name: '冠心宁注射液', type: '101', lv: '02', price: 2550, unit: '支', groups: ['HUOXUE_INJ', 'TCM_INJ'] } as ItemDef,
  shuxuening: { code: 'ZA12HAS0640010104876', name: '舒血宁注射液', type: '101', lv: '02', price: 1820, unit: '支', groups: ['HUOXUE_INJ', 'GINKGO_INJ', 'TCM_INJ'] } as ItemDef,
  xuesaitong: { code: 'ZA12HAX0367010105567', name: '注射用血塞通', type: '101', lv: '02', price: 4000, unit: '支', groups: ['SANQI_INJ', 'TCM_INJ'] } as ItemDef,
  xueshuantong: { code: 'ZA12HAX0368010104992', name: '注射用血栓通', type: '101', lv: '02', price: 3800, unit: '支', groups: ['SANQI_INJ'] } as ItemDef,
  lipid: { code: 'XB05BAZ030B002010100286', name: '中/长链脂肪乳注射液', type: '101', lv: '02', price: 9800, unit: '瓶', groups: ['PARENTERAL_NUTRITION'] } as ItemDef,
  glargine: { code: 'XA10AEG039B002010100433', name: '甘精胰岛素注射液', type: '101', lv: '02', price: 17600, unit: '支', groups: ['INSULIN_GLARGINE'] } as ItemDef,
};

/** 丙类 and a code outside the catalogue, for injected catalogue violations. */
export const CLASS_C = { code: 'XA11HAV002A001010100087', name: '维生素B6片', type: '101', lv: '03', price: 320, unit: '瓶' } as ItemDef;
export const UNLISTED_CODE = 'XZ99ZZZ999Z999999999999';

export const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
export const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美娟建国平刚桂英玉兰霞红梅文斌辉鹏飞宇浩然子涵雨欣俊杰欣怡梓萱';

/** Every item the generator can bill, for the matching catalogue. */
/** Tests and examinations a stay may or may not have: real stays differ in these, so no two look alike by chance. */
export const INPATIENT_EXTRAS: ItemDef[] = [
  ['250307001', '肾功能', 4000], ['250302001', '电解质测定', 2500], ['250203001', '凝血功能', 6000], ['250401001', 'C反应蛋白测定', 3000],
  ['250102001', '尿常规', 1000], ['250303001', '血糖测定', 800], ['250304001', '血脂测定', 3500], ['210102001', '胸部X线摄影', 6500],
  ['250310001', '心肌酶谱', 5000], ['250501001', '血培养', 9000], ['220301001', '心脏彩超', 18000], ['250104001', '粪便常规', 800],
].map(([code, name, price]) => ({ code: code as string, name: name as string, type: '201', lv: '01', price: price as number, unit: '次' }) as ItemDef);

export function allItems(): ItemDef[] {
  return [...DRUGS, ...HERBS, ...Object.values(SERVICES), ...INPATIENT_EXTRAS, ...Object.values(CONSUMABLES), ...Object.values(RESTRICTED), CLASS_C]
    .filter((v, i, a) => a.findIndex((x) => x.code === v.code) === i);
}
