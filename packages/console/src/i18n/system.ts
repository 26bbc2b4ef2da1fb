import i18n from './index.ts';

// Texts of the system pages (系统管理), the shared table (columns, saved filters, export), the print view and the
// watermark, merged into the shared bundles (deep, without overwriting). English must have the same keys: the type
// below checks it.
const zh = {
  nav: { system: '系统管理', users: '用户管理', roles: '角色与权限', institutions: '机构与科室', keys: '接口密钥', auditLog: '审计日志' },
  table: {
    columns: '列设置', columnsHint: '勾选要显示的列，用箭头调整顺序（按用户保存在本浏览器）', reset: '恢复默认', up: '上移', down: '下移',
    saved: '常用筛选', saveCurrent: '保存当前筛选', saveTitle: '保存筛选条件', name: '名称', namePlaceholder: '例如：本院待说明', noSaved: '还没有保存的筛选', savedOk: '已保存筛选“{{name}}”',
    deleteSaved: '删除', nameRequired: '请填写名称',
    export: '导出 Excel', exportPage: '导出本页（{{n}} 条）', exportAll: '导出全部筛选结果（{{n}} 条）', exporting: '正在导出… {{done}}/{{total}}', exported: '已导出 {{n}} 条', exportTooMany: '结果超过 {{max}} 条，只导出前 {{max}} 条；请缩小筛选范围',
    sheet: '数据',
  },
  system: {
    users: {
      title: '用户管理', create: '新建用户', username: '用户名', displayName: '姓名', role: '角色', institution: '所属机构', patnId: '参保人编号', status: '状态', created: '创建时间', pwChanged: '密码修改时间',
      active: '正常', disabled: '已停用', locked: '已锁定（至 {{until}}）', mustChange: '须修改密码', actions: '操作', edit: '编辑', disable: '停用', enable: '启用', reset: '重置密码', endSessions: '强制下线',
      password: '初始密码', passwordHint: '至少 10 位，不能是常见密码或用户名；用户首次登录须修改', generate: '生成随机密码', newPassword: '新密码',
      mustChangeFirst: '首次登录须修改密码', created_ok: '已创建用户 {{name}}', saved: '已保存', disabledOk: '已停用 {{name}}，其所有会话已结束', enabledOk: '已启用 {{name}}', resetOk: '已重置 {{name}} 的密码；请把新密码当面或经安全渠道告知本人',
      sessionsEnded: '已结束 {{n}} 个会话', disableConfirm: '停用用户 {{name}}？', disableContent: '停用后该用户不能登录，正在使用的会话立即结束；可随时重新启用。', endConfirm: '结束 {{name}} 的所有会话？',
      scopeNote: '修改角色或所属机构后，该用户须重新登录（现有会话结束）。', institutionRequired: '定点医疗机构用户必须选择所属机构', patnRequired: '参保人用户必须填写参保人编号', search: '按用户名、姓名或机构查找',
      usernameRule: '2–64 个字母、数字或 _ . @ -',
    },
    roles: { title: '角色与权限', help: '下表由服务器的权限表生成（与服务器实际检查的完全一致）：每一行是一项操作，勾表示该角色可以执行。', permission: '操作', users: '用户数' },
    institutions: {
      title: '机构与科室', help: '名称来自已导入的就诊数据（字典服务），导入新的就诊数据后自动更新。', institutions: '定点医疗机构', departments: '科室', code: '编码', name: '名称', users: '用户', keys: '接口密钥',
    },
    keys: {
      title: '接口密钥', help: 'HIS 等外部系统调用 3101/3102/3103 接口使用的密钥。密钥和 secret 只在创建或轮换时显示一次，请立即交给对接方妥善保存。', create: '新建密钥', label: '用途说明',
      role: '角色', institution: '绑定机构', patnId: '参保人编号', created: '创建时间', createdBy: '创建人', status: '状态', active: '有效', revoked: '已吊销（{{at}}）', graceUntil: '旧密钥有效至 {{at}}', keyId: '密钥编号（paasid）',
      revoke: '吊销', rotate: '轮换', revokeConfirm: '吊销密钥 {{id}}？', revokeContent: '吊销后使用该密钥的系统立即无法调用接口，且不能恢复。', rotateConfirm: '轮换密钥 {{id}}？', rotateContent: '生成新的密钥和 secret；旧的在 24 小时内仍然有效，便于对接方切换。',
      shownOnce: '请立即复制保存：关闭后不再显示', key: 'API 密钥（Bearer / apikey）', paasid: 'x-tif-paasid', secret: 'x-tif-secret', copy: '复制', copied: '已复制', close: '我已保存',
      registered: '登记已有国家平台凭证', paasidOwn: '已有 paasid', secretOwn: '已有 secret', revokedOk: '已吊销 {{id}}', integrationHint: '系统接入（integration）密钥可用 x-tif 签名或 Bearer 方式调用；绑定机构后只能提交该机构的数据。',
      institutionRequired: '定点医疗机构密钥必须绑定机构',
    },
    audit: {
      title: '审计日志', help: '所有变更和个人信息查看都记录在只能追加、逐条哈希链接的审计日志中。', seq: '序号', at: '时间', actor: '操作人', action: '操作', entity: '对象', detail: '详情',
      actorPh: '操作人（用户名）', actionPh: '操作类型', entityTypePh: '对象类型', entityIdPh: '对象编号', textPh: '关键字（对象、操作人、详情）', search: '查询', reset: '重置',
      verify: '校验哈希链', verifying: '正在校验…', verifyOk: '哈希链完整：共 {{n}} 条，均未被篡改', verifyAnchor: '，与 {{at}} 的外部锚点一致', verifyBroken: '哈希链在第 {{seq}} 条处断开：{{reason}}', verifyTitle: '校验结果', head: '链头哈希', hash: '哈希',
      actions: {
        user_create: '新建用户', user_update: '修改用户', user_disable: '停用用户', user_enable: '启用用户', user_password_reset: '重置密码', user_password_change: '修改密码', user_sign_in: '登录',
        user_sign_in_failed: '登录失败', user_sign_out: '退出登录', user_locked: '账户锁定', user_sessions_revoke: '强制下线', key_create: '新建密钥', key_revoke: '吊销密钥', key_rotate: '轮换密钥', key_reseal: '重新加密密钥',
        personal_data_reveal: '查看个人信息', personal_data_read: '读取个人信息', personal_data_export: '导出个人信息', case_event: '审核单处理', settlement_create: '结算', settlement_reverse: '冲销',
      },
      entities: { user: '用户', api_key: '接口密钥', encounter: '就诊', case: '审核单', settlement: '结算', rule_pack: '规则包', catalogue: '目录', audit_run: '批量审核', cases: '审核单', list: '名单', import: '导入' },
    },
  },
  perm: {
    catalogue_import: '导入目录', catalogue_read: '查看目录', lists_import: '导入名单', lists_read: '查看名单', encounters_import: '导入就诊数据', encounters_read: '查看就诊数据',
    rules_write: '编写与发布规则', rules_read: '查看规则', audit_realtime: '调用事前/事中审核接口', settlement_calculate: '试算结算', settlement_write: '结算与冲销', settlement_read: '查看结算',
    policy_write: '维护结算参数', policy_read: '查看结算参数', statement_read: '查看机构月度结算单', screening_run: '发起筛查', screening_read: '查看筛查线索', screening_params: '调整筛查参数',
    queue_build: '生成复核队列', queue_work: '领取与处理复核队列', keys_manage: '管理接口密钥', users_manage: '管理用户', auditlog_read: '查看审计日志', imports_read: '查看导入记录',
  },
  print: {
    print: '打印', back: '返回审核单', seal: '（盖章）', issuer: '医疗保障经办机构', date: '日期', page: '第 {{n}} 页', caseId: '审核单号', medins: '定点机构', month: '审核月份',
    no: '序号', rule: '规则', encounter: '就诊ID', patient: '参保人', proposed: '拟扣金额（元）', deducted: '核定扣款（元）', decision: '审核结论', total: '合计', upper: '大写', issued: '签发日期', yuan: '元',
    notReady: '该审核单尚未作出决定，还不能打印扣款通知书。', open: '打印通知书',
  },
  watermark: { hint: '含个人信息，仅限工作使用' },
  meYear: { year: '年度', yearOf: '{{year}} 年（按就诊日期）', deductibleHelp: '本年各次结算实际支付的起付线合计', settledCount: '本年结算 {{n}} 次' },
};

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

const en: Shape<typeof zh> = {
  nav: { system: 'System', users: 'Users', roles: 'Roles & permissions', institutions: 'Institutions & departments', keys: 'API keys', auditLog: 'Audit log' },
  table: {
    columns: 'Columns', columnsHint: 'Tick the columns to show, order them with the arrows (kept per user in this browser)', reset: 'Reset', up: 'Up', down: 'Down',
    saved: 'Saved filters', saveCurrent: 'Save current filters', saveTitle: 'Save filters', name: 'Name', namePlaceholder: 'e.g. awaiting explanation', noSaved: 'No saved filters yet', savedOk: 'Saved filters "{{name}}"',
    deleteSaved: 'Delete', nameRequired: 'Enter a name',
    export: 'Export Excel', exportPage: 'Export this page ({{n}} rows)', exportAll: 'Export all results ({{n}} rows)', exporting: 'Exporting… {{done}}/{{total}}', exported: 'Exported {{n}} rows', exportTooMany: 'More than {{max}} results: only the first {{max}} were exported; narrow the filters',
    sheet: 'Data',
  },
  system: {
    users: {
      title: 'Users', create: 'New user', username: 'User name', displayName: 'Name', role: 'Role', institution: 'Institution', patnId: 'Insured person no.', status: 'Status', created: 'Created', pwChanged: 'Password changed',
      active: 'Active', disabled: 'Disabled', locked: 'Locked (until {{until}})', mustChange: 'Must change password', actions: 'Actions', edit: 'Edit', disable: 'Disable', enable: 'Enable', reset: 'Reset password', endSessions: 'Sign out everywhere',
      password: 'Initial password', passwordHint: 'At least 10 characters, not common, not the user name; to be changed at the first sign-in', generate: 'Generate', newPassword: 'New password',
      mustChangeFirst: 'Must change the password at the first sign-in', created_ok: 'User {{name}} created', saved: 'Saved', disabledOk: '{{name}} disabled; every session ended', enabledOk: '{{name}} enabled', resetOk: 'Password of {{name}} reset; tell the person in person or over a safe channel',
      sessionsEnded: '{{n}} sessions ended', disableConfirm: 'Disable user {{name}}?', disableContent: 'The user can no longer sign in and every open session ends at once; you can enable the user again.', endConfirm: 'End every session of {{name}}?',
      scopeNote: 'After a change of role or institution the user must sign in again (open sessions end).', institutionRequired: 'A hospital user needs an institution', patnRequired: 'An insured user needs the person number', search: 'Find by user name, name or institution',
      usernameRule: '2–64 letters, digits or _ . @ -',
    },
    roles: { title: 'Roles & permissions', help: 'Generated from the server\'s permission table (exactly what the server checks): each row is an action, a tick means the role may perform it.', permission: 'Action', users: 'Users' },
    institutions: {
      title: 'Institutions & departments', help: 'Names come from the imported encounters (the dictionary service) and follow new imports.', institutions: 'Institutions', departments: 'Departments', code: 'Code', name: 'Name', users: 'Users', keys: 'API keys',
    },
    keys: {
      title: 'API keys', help: 'Keys that HIS and other systems use to call 3101/3102/3103. A key and its secret are shown once, when created or rotated: hand them over at once.', create: 'New key', label: 'Purpose',
      role: 'Role', institution: 'Institution', patnId: 'Insured person no.', created: 'Created', createdBy: 'Created by', status: 'Status', active: 'Active', revoked: 'Revoked ({{at}})', graceUntil: 'Previous key valid until {{at}}', keyId: 'Key id (paasid)',
      revoke: 'Revoke', rotate: 'Rotate', revokeConfirm: 'Revoke key {{id}}?', revokeContent: 'Systems using this key can no longer call the interfaces, at once and for good.', rotateConfirm: 'Rotate key {{id}}?', rotateContent: 'A new key and secret are issued; the previous ones stay valid for 24 hours while the integrator switches.',
      shownOnce: 'Copy these now: they are not shown again', key: 'API key (Bearer / apikey)', paasid: 'x-tif-paasid', secret: 'x-tif-secret', copy: 'Copy', copied: 'Copied', close: 'I have saved them',
      registered: 'Register existing national credentials', paasidOwn: 'Existing paasid', secretOwn: 'Existing secret', revokedOk: '{{id}} revoked', integrationHint: 'Integration keys call with x-tif signatures or as Bearer; bound to an institution they may only send that institution\'s data.',
      institutionRequired: 'A hospital key needs an institution',
    },
    audit: {
      title: 'Audit log', help: 'Every change and every view of personal data is recorded in an append-only, hash-chained audit log.', seq: 'Seq', at: 'Time', actor: 'Actor', action: 'Action', entity: 'Object', detail: 'Detail',
      actorPh: 'Actor (user name)', actionPh: 'Action', entityTypePh: 'Object type', entityIdPh: 'Object id', textPh: 'Text (object, actor, detail)', search: 'Search', reset: 'Reset',
      verify: 'Verify the chain', verifying: 'Verifying…', verifyOk: 'The chain is intact: {{n}} entries, none altered', verifyAnchor: ', matching the external anchor of {{at}}', verifyBroken: 'The chain breaks at entry {{seq}}: {{reason}}', verifyTitle: 'Verification', head: 'Head hash', hash: 'Hash',
      actions: {
        user_create: 'User created', user_update: 'User changed', user_disable: 'User disabled', user_enable: 'User enabled', user_password_reset: 'Password reset', user_password_change: 'Password changed', user_sign_in: 'Sign-in',
        user_sign_in_failed: 'Failed sign-in', user_sign_out: 'Sign-out', user_locked: 'Account locked', user_sessions_revoke: 'Sessions ended', key_create: 'Key created', key_revoke: 'Key revoked', key_rotate: 'Key rotated', key_reseal: 'Keys re-encrypted',
        personal_data_reveal: 'Personal data revealed', personal_data_read: 'Personal data read', personal_data_export: 'Personal data exported', case_event: 'Case action', settlement_create: 'Settlement', settlement_reverse: 'Reversal',
      },
      entities: { user: 'User', api_key: 'API key', encounter: 'Encounter', case: 'Case', settlement: 'Settlement', rule_pack: 'Rule pack', catalogue: 'Catalogue', audit_run: 'Batch audit', cases: 'Cases', list: 'List', import: 'Import' },
    },
  },
  perm: {
    catalogue_import: 'Import the catalogue', catalogue_read: 'Read the catalogue', lists_import: 'Import lists', lists_read: 'Read lists', encounters_import: 'Import encounters', encounters_read: 'Read encounters',
    rules_write: 'Write and publish rules', rules_read: 'Read rules', audit_realtime: 'Call the real-time audit (3101/3102)', settlement_calculate: 'Calculate settlements', settlement_write: 'Settle and reverse', settlement_read: 'Read settlements',
    policy_write: 'Maintain policy parameters', policy_read: 'Read policy parameters', statement_read: 'Read monthly statements', screening_run: 'Run screening', screening_read: 'Read screening leads', screening_params: 'Tune screening parameters',
    queue_build: 'Build the review queue', queue_work: 'Claim and work the review queue', keys_manage: 'Manage API keys', users_manage: 'Manage users', auditlog_read: 'Read the audit log', imports_read: 'Read imports',
  },
  print: {
    print: 'Print', back: 'Back to the case', seal: '(seal)', issuer: 'Medical insurance agency', date: 'Date', page: 'Page {{n}}', caseId: 'Case', medins: 'Institution', month: 'Month',
    no: 'No.', rule: 'Rule', encounter: 'Encounter', patient: 'Insured person', proposed: 'Proposed (yuan)', deducted: 'Deducted (yuan)', decision: 'Decision', total: 'Total', upper: 'In words', issued: 'Issued', yuan: 'yuan',
    notReady: 'This case has no decision yet: there is no deduction notice to print.', open: 'Print notice',
  },
  watermark: { hint: 'Personal data: for work use only' },
  meYear: { year: 'Year', yearOf: '{{year}} (by date of service)', deductibleHelp: 'The deductible the year\'s settlements actually paid', settledCount: '{{n}} settlements this year' },
};

i18n.addResourceBundle('zh-CN', 'translation', zh, true, false);
i18n.addResourceBundle('en', 'translation', en, true, false);
