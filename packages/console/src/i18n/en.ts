import type { zhCN } from './zh-CN.ts';

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : T[K] extends readonly string[] ? readonly string[] : Shape<T[K]> };

export const en: Shape<typeof zhCN> = {
  app: { title: 'FundGuard · medical insurance fund audit', short: 'FundGuard', logout: 'Sign out', language: '中文', loading: 'Loading…', forbidden: 'Not allowed', notFound: 'No such page', back: 'Back', refresh: 'Refresh', noData: 'No data', error: 'Something went wrong' },
  roles: { admin: 'Administrator', rule_admin: 'Rule administrator', auditor: 'Auditor', supervisor: 'Supervisor', hospital: 'Hospital', insured: 'Insured person', integration: 'Integration' },
  nav: { dashboard: 'Dashboard', cases: 'Worklist', encounters: 'Encounters', rules: 'Rules', runs: 'Runs & imports', lists: 'Lists', settlement: 'Settlement' },
  login: { title: 'Sign in', username: 'User name', password: 'Password', submit: 'Sign in', demo: 'Demo users: auditor / auditor2 / supervisor / ruleadmin / hospital / insured, password fundguard-demo', failed: 'Sign-in failed' },
  dashboard: {
    title: 'Dashboard', from: 'From month', to: 'To month', apply: 'Apply',
    encounters: 'Encounters', medfee: 'Medical fees', hifp: 'Fund paid', findings: 'Findings in cases', amount: 'Amount flagged', cases: 'Cases', proposed: 'Proposed', deducted: 'Deducted',
    byMonth: 'Violations and fund use by month', byRule: 'Top rules by amount', byInstitution: 'Top institutions by amount', byCategory: 'By category', byDepartment: 'Top departments by amount', caseStatus: 'Cases by status',
    overrides: 'Doctor override rates of real-time warnings (3103 feedback)', rule: 'Rule', warnings: 'Warnings', answered: 'Answered', proceed: 'Proceeded', overrideRate: 'Override rate', fund: 'Fund paid', violations: 'Violations',
  },
  cases: {
    title: 'Worklist', id: 'Case', medins: 'Institution', month: 'Month', status: 'Status', level: 'Level', proposed: 'Proposed', deduction: 'Deduction', risk: 'Risk', findings: 'Findings', due: 'Due',
    filterStatus: 'Status', filterMonth: 'Month', filterMedins: 'Institution code', filterRule: 'Rule id', search: 'Filter', reset: 'Reset', selected: '{{n}} selected',
    bulkNotify: 'Notify hospitals', bulkConfirm: 'Confirm all findings', bulkApprove: 'Approve level', bulkDone: '{{ok}} done, {{fail}} failed', export: 'Export Excel',
    open: 'Open',
  },
  status: { draft: 'Draft', awaiting_explanation: 'Awaiting explanation', in_review: 'In review', decided: 'Decided', appealed: 'Appealed', appeal_review: 'Re-review', panel_review: 'Panel review', final: 'Final', closed: 'Closed' },
  severity: { violation: 'Violation', suspicious: 'Suspicious', reminder: 'Reminder' },
  outcome: { confirmed: 'Confirmed', rejected: 'Rejected', partial: 'Partial', upheld: 'Upheld', overturned: 'Overturned' },
  caseDetail: {
    title: 'Case', summary: 'Summary', findings: 'Findings', events: 'History', levels: 'Review levels', deadlines: 'Deadlines',
    explanationDue: 'Explanation due', reviewDue: 'Level due', appealDue: 'Appeal due', level: 'Level {{n}}', levelNames: ['Department review', 'Insurance office review', 'Final review'], approvedBy: 'approved by {{by}} at {{at}}', pending: 'Pending', current: 'In progress', overdue: 'Overdue',
    rule: 'Rule', severity: 'Severity', amount: 'Amount', decision: 'Decision', evidence: 'Evidence and basis', encounter: 'Encounter', explanation: 'Hospital explanation', appealResult: 'Re-review result',
    confirm: 'Confirm', reject: 'Reject', partial: 'Partial', reason: 'Reason', partialAmount: 'Confirmed amount (yuan)', confirmAll: 'Confirm all undecided',
    notify: 'Notify hospital', submitExplanations: 'Submit explanations', explain: 'Explain', approve: 'Approve level', returnLevel: 'Return', appeal: 'Appeal', assign: 'Assign re-reviewer', reviewer: 'Reviewer (user name)',
    reReview: 'Re-review', referPanel: 'Refer to panel', panelVote: 'Panel vote', close: 'Close', uphold: 'Uphold', overturn: 'Overturn',
    appealReason: 'Reason for appeal', appealFindings: 'Findings appealed', attachments: 'Attachments', upload: 'Upload attachment', noticeXlsx: 'Deduction notice (Excel)', noticePdf: 'Deduction notice (PDF)',
    done: 'Submitted', by: 'By', at: 'At', type: 'Event', appealOf: 'Appeal', yes: 'yes', no: 'no', appealed: 'Appealed',
  },
  encounter: {
    title: 'Encounter', lookup: 'Encounter id', go: 'Open', patient: 'Patient', name: 'Name', gender: 'Sex', birth: 'Born', medins: 'Institution', dept: 'Department', adm: 'Admitted', dscg: 'Discharged', diag: 'Main diagnosis', type: 'Type',
    total: 'Total', lines: 'Lines', flagged: 'Flagged', code: 'Code', item: 'Item', qty: 'Qty', price: 'Price', sum: 'Amount', time: 'Time', findings: 'Findings', history: 'Patient history',
    diagnoses: 'Diagnoses', reveal: 'Reveal', hidden: 'masked', revealLogged: 'Revealing personal data was logged', onlyFlagged: 'Flagged lines only',
  },
  rules: {
    title: 'Rules', packs: 'Rule packs', pack: 'Pack', name: 'Name', region: 'Region', active: 'Active version', versions: 'Versions', version: 'Version', statusCol: 'Status', author: 'Author', created: 'Created', changes: 'Changes',
    activate: 'Activate', activated: 'Activated {{v}}', diff: 'Compare versions', from: 'From', to: 'To', compare: 'Compare', field: 'Field', before: 'Before', after: 'After', change: 'Change',
    upload: 'Upload a pack (JSON / YAML)', uploaded: 'Stored as {{pack}}@{{version}}', unchanged: 'Unchanged', errors: '{{n}} validation errors', ruleId: 'Rule', kind: 'Kind', errorsCol: 'Errors', ok: 'OK', packLevel: 'Pack level',
    impact: 'Impact replay', impactFrom: 'From', impactTo: 'To', run: 'Run', added: 'Added', removed: 'Removed', delta: 'Amount delta', content: 'Rules', basis: 'Basis', severity: 'Severity', category: 'Category',
  },
  runs: {
    title: 'Runs & imports', start: 'Start a batch audit', from: 'Admitted from', to: 'Admitted before', medins: 'Institution (optional)', startBtn: 'Start', progress: 'Progress', cancel: 'Cancel', openCases: 'Open cases', casesOpened: '{{n}} cases opened',
    id: 'Id', kind: 'Kind', status: 'Status', encounters: 'Encounters', findings: 'Findings', started: 'Started', finished: 'Finished', actor: 'By', exportFindings: 'Export findings',
    imports: 'Imports', importFile: 'Import a file', importKind: 'Kind', catalogue: 'Catalogue', lists: 'Lists', encountersKind: 'Encounters', file: 'File', format: 'Format', records: 'Records', replaced: 'Replaced', warnings: 'Warnings', importOk: 'Imported {{n}} records', importFailed: 'Import refused (nothing imported)',
  },
  lists: { title: 'Lists', list: 'List', subjectType: 'Subject type', subject: 'Subject', date: 'In force on', reason: 'Reason', from: 'From', to: 'To', source: 'Source', upload: 'Import a list (CSV / Excel)', prev: 'Previous', next: 'Next', page: 'Page {{n}}' },
  settlement: {
    title: 'Settlement calculator', policy: 'Policy set', encounter: 'Encounter (JSON)', person: 'Person (JSON)', accumulators: 'Accumulators (JSON)', calculate: 'Calculate', result: 'Settlement', trace: 'Trace', step: 'Step', detail: 'Detail', value: 'Amount',
    invalidJson: 'Invalid JSON', total: 'Total fees', fund: 'Fund pays', personPart: 'Person pays',
  },
};
