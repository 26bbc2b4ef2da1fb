import i18n from '../../i18n/index.ts';

// This page's texts, merged into the shared bundles (deep, without overwriting): the nav label is needed before the
// page's own chunk loads, so registry.tsx imports this file.
i18n.addResourceBundle('zh-CN', 'translation', {
  nav: { hisData: 'HIS数据规范' },
  hisData: {
    title: 'HIS 上传数据规范性（事前/事中接口自动纠正的字段）',
    help: '以下数据不影响审核、已被平台自动规范化后审核，但说明医院HIS上传的数据与国家接口规范不一致。请将本表交HIS厂商修正。',
    from: '起始日期', to: '截止日期', medins: '机构编码', search: '查询',
    field: '字段', variant: '上传的值 → 按此处理', count: '次数', firstDay: '首次', lastDay: '最近', lastMsgid: '最近报文号', fix: '修正建议', none: '该期间无需修正的数据',
  },
}, true, false);
i18n.addResourceBundle('en', 'translation', {
  nav: { hisData: 'HIS data quality' },
  hisData: {
    title: 'HIS data normalised by the real-time interface (3101/3102)',
    help: 'These values did not stop the audit (they were normalised and audited), but they differ from the national interface. Hand this list to the HIS vendor.',
    from: 'From', to: 'To', medins: 'Institution', search: 'Search',
    field: 'Field', variant: 'Sent → read as', count: 'Count', firstDay: 'First', lastDay: 'Last', lastMsgid: 'Last msgid', fix: 'Fix', none: 'Nothing to fix in this period',
  },
}, true, false);
