// 中文为默认语言；en.ts 必须有同样的键（类型检查保证）。
export const zhCN = {
  app: { title: 'FundGuard 医保基金智能审核与监管平台', short: '医保智能审核', logout: '退出登录', language: 'English', loading: '加载中…', forbidden: '无权访问', notFound: '页面不存在', back: '返回', refresh: '刷新', noData: '暂无数据', error: '出错了' },
  roles: { admin: '系统管理员', rule_admin: '规则管理员', auditor: '审核员', supervisor: '稽核监管', hospital: '定点医疗机构', insured: '参保人', integration: '系统接入' },
  nav: { dashboard: '监管看板', cases: '审核工作台', encounters: '就诊查询', rules: '规则库', runs: '批量审核与导入', lists: '名单管理', settlement: '结算试算' },
  login: { title: '登录', username: '用户名', password: '密码', submit: '登录', demo: '演示账号：auditor / auditor2 / supervisor / ruleadmin / hospital / insured，密码 fundguard-demo', failed: '登录失败' },
  dashboard: {
    title: '监管看板', from: '起始月份', to: '截止月份', apply: '查询',
    encounters: '就诊人次', medfee: '医疗总费用', hifp: '统筹基金支付', findings: '立案疑点', amount: '疑点金额', cases: '审核单', proposed: '拟扣金额', deducted: '已定扣款',
    byMonth: '按月违规金额与基金支出', byRule: '违规金额前十规则', byInstitution: '违规金额前十机构', byCategory: '按违规类别', byDepartment: '违规金额前十科室', caseStatus: '审核单状态',
    overrides: '医生对实时提醒的执行率（3103 反馈）', rule: '规则', warnings: '提醒次数', answered: '已反馈', proceed: '坚持执行', overrideRate: '坚持率', fund: '基金支付', violations: '违规金额',
  },
  cases: {
    title: '审核工作台', id: '审核单号', medins: '机构', month: '月份', status: '状态', level: '审核级别', proposed: '拟扣金额', deduction: '扣款金额', risk: '风险分', findings: '疑点数', due: '当前时限',
    filterStatus: '状态', filterMonth: '月份', filterMedins: '机构编码', filterRule: '规则编码', search: '筛选', reset: '重置', selected: '已选 {{n}} 单',
    bulkNotify: '批量通知医院', bulkConfirm: '批量确认全部疑点', bulkApprove: '批量通过本级', bulkDone: '完成 {{ok}} 单，失败 {{fail}} 单', export: '导出 Excel',
    open: '打开',
  },
  status: { draft: '待通知', awaiting_explanation: '待医院说明', in_review: '审核中', decided: '已决定', appealed: '已申诉', appeal_review: '复核中', panel_review: '专家合议', final: '已生效', closed: '已结案' },
  severity: { violation: '违规', suspicious: '可疑', reminder: '提醒' },
  outcome: { confirmed: '确认', rejected: '不予扣款', partial: '部分确认', upheld: '维持', overturned: '撤销' },
  caseDetail: {
    title: '审核单', summary: '概要', findings: '疑点明细', events: '处理记录', levels: '三级审核', deadlines: '时限',
    explanationDue: '说明截止', reviewDue: '本级审核截止', appealDue: '申诉截止', level: '第 {{n}} 级', levelNames: ['科室初审', '医保办复审', '医保部门终审'], approvedBy: '{{by}} 于 {{at}} 通过', pending: '待审', current: '审核中', overdue: '已超时',
    rule: '规则', severity: '性质', amount: '疑点金额', decision: '审核结论', evidence: '证据与依据', encounter: '就诊', explanation: '医院说明', appealResult: '复核结果',
    confirm: '确认', reject: '不予扣款', partial: '部分确认', reason: '理由', partialAmount: '确认金额（元）', confirmAll: '确认全部未决疑点',
    notify: '通知医院', submitExplanations: '提交说明', explain: '填写说明', approve: '通过本级', returnLevel: '退回', appeal: '申诉', assign: '指派复核人', reviewer: '复核人（用户名）',
    reReview: '复核决定', referPanel: '提交专家合议', panelVote: '合议投票', close: '结案', uphold: '维持', overturn: '撤销',
    appealReason: '申诉理由', appealFindings: '申诉的疑点', attachments: '附件', upload: '上传附件', noticeXlsx: '扣款通知书 (Excel)', noticePdf: '扣款通知书 (PDF)',
    done: '已提交', by: '操作人', at: '时间', type: '事件', appealOf: '申诉', yes: '是', no: '否', appealed: '已申诉',
  },
  encounter: {
    title: '就诊详情', lookup: '就诊流水号', go: '查看', patient: '参保人', name: '姓名', gender: '性别', birth: '出生日期', medins: '机构', dept: '科室', adm: '入院', dscg: '出院', diag: '主要诊断', type: '就诊类型',
    total: '费用合计', lines: '费用明细', flagged: '疑点行', code: '项目编码', item: '项目名称', qty: '数量', price: '单价', sum: '金额', time: '时间', findings: '审核疑点', history: '就诊史',
    diagnoses: '诊断', reveal: '显示', hidden: '已脱敏', revealLogged: '查看个人信息已记录审计日志', onlyFlagged: '只看疑点行',
  },
  rules: {
    title: '规则库', packs: '规则包', pack: '规则包', name: '名称', region: '统筹区', active: '当前生效版本', versions: '版本', version: '版本', statusCol: '状态', author: '作者', created: '时间', changes: '变更摘要',
    activate: '启用', activated: '已启用 {{v}}', diff: '版本对比', from: '从', to: '到', compare: '对比', field: '字段', before: '原值', after: '新值', change: '变更',
    upload: '上传规则包（JSON / YAML）', uploaded: '已保存为 {{pack}}@{{version}}', unchanged: '内容未变化', errors: '校验错误 {{n}} 项', ruleId: '规则编号', kind: '类型', errorsCol: '错误', ok: '通过', packLevel: '规则包级别',
    impact: '影响回放', impactFrom: '回放起', impactTo: '回放止', run: '运行', added: '新增疑点', removed: '减少疑点', delta: '金额变化', content: '规则', basis: '政策依据', severity: '性质', category: '类别',
  },
  runs: {
    title: '批量审核与导入', start: '发起批量审核', from: '入院起', to: '入院止', medins: '机构（可选）', startBtn: '开始', progress: '进度', cancel: '取消', openCases: '生成审核单', casesOpened: '已生成 {{n}} 张审核单',
    id: '编号', kind: '类型', status: '状态', encounters: '就诊', findings: '疑点', started: '开始', finished: '结束', actor: '发起人', exportFindings: '导出疑点',
    imports: '导入记录', importFile: '导入文件', importKind: '导入类型', catalogue: '目录', lists: '名单', encountersKind: '就诊数据', file: '文件', format: '格式', records: '记录数', replaced: '替换', warnings: '警告', importOk: '导入成功：{{n}} 条', importFailed: '导入失败（全部未导入）',
  },
  lists: { title: '名单管理', list: '名单', subjectType: '对象类型', subject: '对象', date: '生效日', reason: '原因', from: '起', to: '止', source: '来源', upload: '导入名单（CSV / Excel）', prev: '上一页', next: '下一页', page: '第 {{n}} 页' },
  settlement: {
    title: '结算试算', policy: '政策参数', encounter: '就诊（JSON）', person: '人员（JSON）', accumulators: '年度累计（JSON）', calculate: '试算', result: '结算结果', trace: '计算过程', step: '步骤', detail: '说明', value: '金额',
    invalidJson: 'JSON 格式错误', total: '医疗总费用', fund: '统筹支付', personPart: '个人负担',
  },
};
