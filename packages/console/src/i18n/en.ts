import type { zhCN } from './zh-CN.ts';

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : T[K] extends readonly string[] ? readonly string[] : Shape<T[K]> };

export const en: Shape<typeof zhCN> = {
  app: { title: 'FundGuard · medical insurance fund audit', short: 'FundGuard', logout: 'Sign out', language: '中文', loading: 'Loading…', forbidden: 'Not allowed', notFound: 'No such page', back: 'Back', refresh: 'Refresh', noData: 'No data', error: 'Something went wrong' },
  roles: { admin: 'Administrator', rule_admin: 'Rule administrator', auditor: 'Auditor', supervisor: 'Supervisor', hospital: 'Hospital', insured: 'Insured person', integration: 'Integration' },
  nav: { dashboard: 'Dashboard', cases: 'Worklist', encounters: 'Encounters', rules: 'Rules', runs: 'Runs & imports', lists: 'Lists', settlement: 'Settlement', me: 'My insurance', screening: 'Screening' },
  login: { title: 'Sign in', username: 'User name', password: 'Password', submit: 'Sign in', demo: 'Demo users: auditor / auditor2 / supervisor / ruleadmin / hospital / insured, password fundguard-demo', failed: 'Sign-in failed' },
  dashboard: {
    title: 'Dashboard', asOf: 'As of', from: 'From month', to: 'To month', apply: 'Apply',
    encounters: 'Encounters', medfee: 'Medical fees', hifp: 'Fund paid', findings: 'Findings in cases', amount: 'Amount flagged', cases: 'Cases', proposed: 'Proposed', deducted: 'Deducted',
    byMonth: 'Violations and fund use by month', byRule: 'Top rules by amount', byInstitution: 'Top institutions by amount', byCategory: 'By category', byDepartment: 'Top departments by amount', caseStatus: 'Cases by status',
    overrides: 'Doctor override rates of real-time warnings (3103 feedback)', rule: 'Rule', warnings: 'Warnings', answered: 'Answered', proceed: 'Proceeded', overrideRate: 'Override rate', by: { rule: 'By rule', institution: 'By institution', department: 'By department', doctor: 'By doctor' }, fund: 'Fund paid', violations: 'Violations',
  },
  cases: {
    title: 'Worklist', id: 'Case', medins: 'Institution', month: 'Month', status: 'Status', level: 'Level', proposed: 'Proposed', deduction: 'Deduction', risk: 'Risk', findings: 'Findings', due: 'Due',
    filterStatus: 'Status', filterMonth: 'Month', filterMedins: 'Institution code', filterRule: 'Rule id', search: 'Filter', reset: 'Reset', selected: '{{n}} selected',
    bulkNotify: 'Notify hospitals', bulkConfirm: 'Confirm all findings', bulkApprove: 'Approve level', bulkDone: '{{ok}} done, {{fail}} failed', export: 'Export Excel',
    open: 'Open',
  },
  status: { draft: 'Draft', awaiting_explanation: 'Awaiting explanation', in_review: 'In review', decided: 'Decided', appealed: 'Appealed', appeal_review: 'Re-review', panel_review: 'Panel review', final: 'Final', closed: 'Closed' },
  severity: { violation: 'Violation', suspicious: 'Suspicious', reminder: 'Reminder' },
  category: { GENDER: 'Gender', AGE: 'Age', INDICATION: 'Indication', INSTITUTION_LEVEL: 'Institution level', SETTING: 'Setting', QUANTITY: 'Quantity', FREQUENCY: 'Frequency', LENGTH_OF_STAY: 'Length of stay', PRESCRIPTION: 'Prescription', EXCLUSIVE: 'Exclusive', UNBUNDLING: 'Unbundling', STACKING: 'Stacking', PREREQUISITE: 'Prerequisite', DUPLICATE: 'Duplicate', CATALOGUE: 'Catalogue', ELIGIBILITY: 'Eligibility', READMISSION: 'Readmission', ADMISSION_FREQUENCY: 'Admission frequency', CO_ADMISSION: 'Co-admission', SIMILAR_COST: 'Similar cost', GHOST_BED: 'Ghost bed', PEER_OUTLIER: 'Peer outlier' },
  events: { notify: 'Notified', explain: 'Explanation', submit_explanations: 'Explanations submitted', explanation_deadline_passed: 'Explanation deadline passed', decide: 'Decision', approve_level: 'Level approved', return_level: 'Returned', escalate: 'Escalated', appeal: 'Appeal', appeal_deadline_passed: 'Appeal deadline passed', assign_re_review: 'Re-review assigned', re_review: 'Re-review', refer_to_panel: 'Referred to panel', panel_vote: 'Panel vote', close: 'Closed' },
  packStatus: { active: 'active', draft: 'draft', retired: 'retired', superseded: 'superseded' },
  total: '{{n}} in all',
  fields: { medfee_sumamt: 'Total fees', fulamt_ownpay_amt: 'Fully self-paid', overlmt_selfpay: 'Over price limit', preselfpay_amt: 'Pre-self-paid', inscp_scp_amt: 'Within policy scope', act_pay_dedc: 'Deductible applied', hifp_pay: 'Pooled fund pays', pool_prop_selfpay: 'Co-payment in pool', over_cap: 'Over the cap', hifmi_pay: 'Catastrophic insurance pays', fund_pay_sumamt: 'Fund pays in all', psn_part_amt: 'Person pays in all', level: 'Hospital level', ratio: 'Ratio' },
  outcome: { confirmed: 'Confirmed', rejected: 'Rejected', partial: 'Partial', upheld: 'Upheld', overturned: 'Overturned' },
  caseDetail: {
    title: 'Case', summary: 'Summary', findings: 'Findings', events: 'History', levels: 'Review levels', deadlines: 'Deadlines',
    explanationDue: 'Explanation due', reviewDue: 'Level due', appealDue: 'Appeal due', level: 'Level {{n}}', levelNames: ['Department review', 'Insurance office review', 'Final review'], approvedBy: 'approved by {{by}} at {{at}}', pending: 'Pending', current: 'In progress', overdue: 'Overdue',
    rule: 'Rule', severity: 'Severity', amount: 'Amount', decision: 'Decision', evidence: 'Evidence and basis', encounter: 'Encounter', explanation: 'Hospital explanation', appealResult: 'Re-review result',
    confirm: 'Confirm', reject: 'Reject', partial: 'Partial', reason: 'Reason', partialAmount: 'Confirmed amount (yuan)', confirmAll: 'Confirm all undecided',
    notify: 'Notify hospital', submitExplanations: 'Submit explanations', explain: 'Explain', approve: 'Approve level', returnLevel: 'Return', appeal: 'Appeal', assign: 'Assign re-reviewer', reviewer: 'Reviewer (user name)',
    reReview: 'Re-review', referPanel: 'Refer to panel', panelVote: 'Panel vote', close: 'Close', uphold: 'Uphold', overturn: 'Overturn',
    appealReason: 'Reason for appeal', appealFindings: 'Findings appealed', attachments: 'Attachments', upload: 'Upload attachment', noticeXlsx: 'Deduction notice (Excel)', noticePdf: 'Deduction notice (PDF)',
    done: 'Submitted', penalty: 'Penalty', penaltyKind: 'Kind', penaltyKinds: { violation: 'Violation (1–2×)', fraud: 'Fraud (2–5×)', agreement: 'Agreement breach (2–5×)' }, multiplier: 'Multiplier', hearing: 'Hearing offered', fine: 'Fine', by: 'By', at: 'At', type: 'Event', appealOf: 'Appeal', yes: 'yes', no: 'no', appealed: 'Appealed',
  },
  encounter: {
    title: 'Encounter', lookup: 'Encounter id', go: 'Open', patient: 'Patient', name: 'Name', gender: 'Sex', birth: 'Born', medins: 'Institution', dept: 'Department', adm: 'Admitted', dscg: 'Discharged', diag: 'Main diagnosis', type: 'Type',
    total: 'Total', lines: 'Lines', flagged: 'Flagged', code: 'Code', item: 'Item', qty: 'Qty', price: 'Price', sum: 'Amount', time: 'Time', findings: 'Findings', history: 'Patient history',
    diagnoses: 'Diagnoses', reveal: 'Reveal', hidden: 'masked', revealLogged: 'Revealing personal data was logged', onlyFlagged: 'Flagged lines only', types: { '1': 'Outpatient', '2': 'Inpatient' },
  },
  rules: {
    title: 'Rules', packs: 'Rule packs', pack: 'Pack', name: 'Name', region: 'Region', active: 'Active version', versions: 'Versions', version: 'Version', statusCol: 'Status', author: 'Author', created: 'Created', changes: 'Changes',
    activate: 'Activate', activated: 'Activated {{v}}', diff: 'Compare versions', from: 'From', to: 'To', compare: 'Compare', field: 'Field', before: 'Before', after: 'After', change: 'Change',
    upload: 'Upload a pack (JSON / YAML)', uploaded: 'Stored as {{pack}}@{{version}}', unchanged: 'Unchanged', errors: '{{n}} validation errors', ruleId: 'Rule', kind: 'Kind', errorsCol: 'Errors', ok: 'OK', packLevel: 'Pack level',
    impact: 'Impact replay', impactFrom: 'From', impactTo: 'To', run: 'Run', added: 'Added', removed: 'Removed', delta: 'Amount delta', content: 'Rules', basis: 'Basis', validateOnly: 'Validate only', validate: 'Validate a pack', valid: 'Valid: {{pack}}@{{version}}, {{n}} rules', runCases: 'Run cases', casesResult: '{{passed}} passed, {{failed}} failed (− missing, + unexpected findings)', caseName: 'Case', failed: 'Failed', severity: 'Severity', category: 'Category',
  },
  runs: {
    title: 'Runs & imports', start: 'Start a batch audit', from: 'Admitted from', to: 'Admitted before', medins: 'Institution (optional)', startBtn: 'Start', progress: 'Progress', cancel: 'Cancel', openCases: 'Open cases', casesOpened: '{{n}} cases opened',
    id: 'Id', kind: 'Kind', status: 'Status', encounters: 'Encounters', findings: 'Findings', started: 'Started', finished: 'Finished', actor: 'By', exportFindings: 'Export findings',
    imports: 'Imports', importFile: 'Import a file', importKind: 'Kind', catalogue: 'Catalogue', lists: 'Lists', encountersKind: 'Encounters', file: 'File', format: 'Format', records: 'Records', replaced: 'Replaced', warnings: 'Warnings', importOk: 'Imported {{n}} records', importFailed: 'Import refused (nothing imported)',
  },
  lists: { title: 'Lists', list: 'List', subjectType: 'Subject type', subject: 'Subject', date: 'In force on', reason: 'Reason', from: 'From', to: 'To', source: 'Source', upload: 'Import a list (CSV / Excel)', prev: 'Previous', next: 'Next', page: 'Page {{n}}' },
  settlement: {
    title: 'Settlement', calculatorTab: 'Calculator', listTab: 'Settlements', statementTab: 'Monthly statement', policy: 'Policy set', encounter: 'Encounter (JSON)', person: 'Person (JSON)', accumulators: 'Accumulators (JSON)', calculate: 'Calculate', result: 'Settlement', trace: 'Trace', step: 'Step', detail: 'Detail', value: 'Amount',
    invalidJson: 'Invalid JSON', total: 'Total fees', fund: 'Fund pays', personPart: 'Person pays', setlId: 'Settlement', settledAt: 'Settled', status: 'Status', medins: 'Institution', month: 'Month', query: 'Show', download: 'Download Excel',
    gross: 'Fund payable (gross)', deductions: 'Deductions', fines: 'Fines', payable: 'Payable this month', count: 'Count', settled: 'Settled', reversed: 'Reversed', explanation: 'Explanation', caseId: 'Case',
  },
  screening: {
    leadsTab: 'Leads', queueTab: 'Review queue', start: 'Start screening', leads: 'Leads', category: 'Screen', minScore: 'Min score', score: 'Score', subject: 'Subject', summary: 'Summary', atRisk: 'At risk', factors: 'Score factors',
    queued: 'Queued', assigned: 'Assigned', autoPassed: 'Auto-passed', queuedAmount: 'Queued amount', capacity: 'Reviewers × per day', daysToClear: 'Days to clear', threshold: 'Threshold', auditRun: 'Audit run id', screeningRun: 'Screening run id',
    build: 'Build queue', takeNext: 'Take next', risk: 'Risk', reviewer: 'Reviewer', outcome: 'Outcome', pass: 'Pass', refer: 'Refer',
    st: { queued: 'Queued', assigned: 'Assigned', auto_passed: 'Auto-passed', reviewed: 'Reviewed' },
  },
  me: { title: 'My insurance', settlements: 'My settlements', ytd: 'Year to date', admissions: 'Admissions', deductible: 'Deductible met', fundPaid: 'Fund paid', catastrophicPaid: 'Catastrophic insurance paid', encounter: 'Encounter', none: 'No settlements yet' },
};
