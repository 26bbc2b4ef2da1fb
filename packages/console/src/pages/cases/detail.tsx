import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, InputNumber, Modal, Radio, Select, Space, Steps, Table, Tag, Typography, Upload } from 'antd';
import { DownloadOutlined, PaperClipOutlined, UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { Attachment, CaseFinding } from '@fundguard/core';
import { api, uploadType } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { useConfirm } from '../../components/confirm.ts';
import { AssignDialog } from './assign.tsx';
import { dateTime, maskText, yuan } from '../../format.ts';
import { STATUS_COLORS, confirmAll, sendEvent, type CaseDetail, type EligibleUser, type FindingRow } from './model.ts';

type Dialog =
  | { kind: 'reject' | 'partial' | 'explain'; finding: string }
  | { kind: 'appeal' | 'assign' | 'rereview' | 'return' | 'panel' | 'vote' | 'penalty' | 'special' | 'officeReturn' | 'rectify' }
  | { kind: 'revoke'; penalty: number };

/** GET /api/v1/cases/:id/penalties (yuan). */
interface Penalty { id: number; kind: string; multiplier: number; fine: number; basis: string; at: string; revoked: { at: string; by: string | null; reason: string | null } | null }

const SEV_COLOR: Record<string, string> = { violation: 'red', suspicious: 'orange', reminder: 'blue' };
/** Server messages carry deadlines as ISO timestamps: shown as local date and time like every other date here. */
const isoToLocal = (text: string) => text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, (m) => dateTime(m));

/** Attachments uploaded to the case for an explanation or appeal; cited by SHA-256 in the event. */
function AttachmentUpload({ caseId, value, onChange }: { caseId: string; value: Attachment[]; onChange: (a: Attachment[]) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  return (
    <Upload multiple showUploadList={false} data-testid="attachment-upload"
      customRequest={async ({ file, onSuccess, onError }) => {
        const f = file as File;
        try {
          const a = await api.upload<Attachment>(`/api/v1/cases/${encodeURIComponent(caseId)}/attachments`, f, uploadType(f.name), { name: f.name });
          onChange([...value, a]);
          onSuccess?.(a);
        } catch (e) {
          message.error((e as Error).message);
          onError?.(e as Error);
        }
      }}>
      <Button icon={<UploadOutlined />}>{t('caseDetail.upload')}</Button>
    </Upload>
  );
}

function AttachmentLinks({ caseId, items }: { caseId: string; items: Attachment[] }) {
  if (!items.length) return null;
  return (
    <Space wrap size={4}>
      {items.map((a) => (
        <a key={a.sha256} data-testid="attachment-link" onClick={() => api.download(`/api/v1/cases/${encodeURIComponent(caseId)}/attachments/${a.sha256}`, a.name)}>
          <PaperClipOutlined /> {a.name}
        </a>
      ))}
    </Space>
  );
}

/** A case (审核单): findings with evidence and basis, decisions, explanations, appeal, three review levels and their deadlines. */
export function CaseDetailPage({ params }: { params: Record<string, string> }) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const { me } = useSession();
  const confirm = useConfirm();
  const id = params.id;
  const c = useApi(() => api.get<CaseDetail>(`/api/v1/cases/${encodeURIComponent(id)}`), [id]);
  const fines = useApi(() => api.get<{ items: Penalty[] }>(`/api/v1/cases/${encodeURIComponent(id)}/penalties`), [id]);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [busy, setBusy] = useState(false);
  const [assigning, setAssigning] = useState(false);
  const [form] = Form.useForm();
  const [files, setFiles] = useState<Attachment[]>([]);
  const [eligible, setEligible] = useState<EligibleUser[]>([]);
  const loadEligible = async () => {
    try {
      setEligible((await api.get<{ users: EligibleUser[] }>(`/api/v1/cases/${encodeURIComponent(id)}/eligible`)).users);
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const eligibleOptions = eligible.map((u) => ({ value: u.id, label: u.display_name ? `${u.display_name} (${u.id})` : u.id }));

  if (c.error) return <Failure error={c.error} />;
  if (!c.data) return <Card loading />;
  const d = c.data;
  const s = d.state;
  const byId = new Map<string, CaseFinding>(s.findings.map((f) => [f.id, f]));
  const is = (...roles: string[]) => roles.includes(me.role);
  // Only what the server says this user may do now (the machine computes it); never a button that answers 409.
  const may = (type: string) => d.allowed.includes(type as CaseDetail['allowed'][number]);
  const canDecide = may('decide');

  const act = async (command: Record<string, unknown>) => {
    setBusy(true);
    try {
      await sendEvent(id, command, d.version);
      message.success(t('caseDetail.done'));
      setDialog(null);
      setFiles([]);
      form.resetFields();
      c.reload();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const open = (dl: Dialog) => {
    form.resetFields();
    setFiles([]);
    setDialog(dl);
  };

  const appealable = s.findings.filter((f) => f.appealable && f.severity !== 'reminder' && (f.decision ? f.decision.outcome !== 'rejected' : false));
  const actions: React.ReactNode[] = [];
  // Irreversible steps ask first (提交说明, 通知医院, 通过本级, 处罚).
  const sure = (title: string, text: string, command: Record<string, unknown>) => confirm(title, () => act(command), text);
  if (may('notify')) actions.push(<Button key="notify" type="primary" loading={busy} data-testid="act-notify" onClick={() => sure(t('caseDetail.confirmNotify'), t('caseDetail.confirmNotifyText'), { type: 'notify' })}>{t('caseDetail.notify')}</Button>);
  if (may('dept_submit')) actions.push(<Button key="dsubmit" type="primary" loading={busy} data-testid="act-dept-submit" onClick={() => sure(t('caseDetail.confirmDeptSubmit'), t('caseDetail.confirmDeptSubmitText'), { type: 'dept_submit' })}>{t('caseDetail.deptSubmit')}</Button>);
  if (may('office_return')) actions.push(<Button key="oreturn" data-testid="act-office-return" onClick={() => open({ kind: 'officeReturn' })}>{t('caseDetail.officeReturn')}</Button>);
  if (may('submit_explanations')) actions.push(<Button key="submit" type="primary" loading={busy} data-testid="act-submit" onClick={() => sure(t('caseDetail.confirmSubmit'), t('caseDetail.confirmSubmitText'), { type: 'submit_explanations' })}>{s.hospitalReview ? t('caseDetail.officeSubmit') : t('caseDetail.submitExplanations')}</Button>);
  if (may('rectify')) actions.push(<Button key="rectify" type="primary" data-testid="act-rectify" onClick={() => open({ kind: 'rectify' })}>{t('caseDetail.rectify')}</Button>);
  if (canDecide) actions.push(<Button key="all" loading={busy} data-testid="act-confirm-all" onClick={async () => { setBusy(true); try { await confirmAll(id); c.reload(); } catch (e) { message.error((e as Error).message); } finally { setBusy(false); } }}>{t('caseDetail.confirmAll')}</Button>);
  if (may('claim')) actions.push(<Button key="claim" loading={busy} data-testid="act-claim" onClick={() => act({ type: 'claim' })}>{t('caseDetail.claim')}</Button>);
  if (may('assign')) actions.push(<Button key="assignLevel" data-testid="act-assign-level" onClick={() => setAssigning(true)}>{t('caseDetail.assignLevel')}</Button>);
  if (may('approve_level')) actions.push(<Button key="approve" type="primary" loading={busy} data-testid="act-approve" onClick={() => sure(t('caseDetail.confirmApprove', { n: d.level }), t('caseDetail.confirmApproveText'), { type: 'approve_level', level: d.level })}>{t('caseDetail.approve')}</Button>);
  if (may('mark_special')) actions.push(<Button key="special" data-testid="act-special" onClick={() => open({ kind: 'special' })}>{t('caseDetail.markSpecial', { defaultValue: '标记特殊病例（48小时）' })}</Button>);
  if (may('return_level')) actions.push(<Button key="return" onClick={() => open({ kind: 'return' })}>{t('caseDetail.returnLevel')}</Button>);
  if (may('appeal') && appealable.length) actions.push(<Button key="appeal" type="primary" danger data-testid="act-appeal" onClick={() => open({ kind: 'appeal' })}>{t('caseDetail.appeal')}</Button>);
  if (may('assign_re_review')) actions.push(<Button key="assign" type={d.status === 'appealed' ? 'primary' : 'default'} data-testid="act-assign" onClick={() => { void loadEligible(); open({ kind: 'assign' }); }}>{t('caseDetail.assign')}</Button>);
  if (may('re_review')) actions.push(<Button key="rr" type="primary" data-testid="act-rereview" onClick={() => open({ kind: 'rereview' })}>{t('caseDetail.reReview')}</Button>);
  if (may('refer_to_panel')) actions.push(<Button key="panel" data-testid="act-panel" onClick={() => { void loadEligible(); open({ kind: 'panel' }); }}>{t('caseDetail.referPanel')}</Button>);
  if (may('panel_vote')) actions.push(<Button key="vote" type="primary" data-testid="act-vote" onClick={() => open({ kind: 'vote' })}>{t('caseDetail.panelVote')}</Button>);
  if (may('close')) actions.push(<Button key="close" onClick={() => act({ type: 'close' })}>{t('caseDetail.close')}</Button>);
  if (['final', 'closed'].includes(d.status) && is('admin', 'supervisor') && (d.state.deduction ?? 0) > 0) actions.push(<Button key="penalty" danger data-testid="act-penalty" onClick={() => open({ kind: 'penalty' })}>{t('caseDetail.penalty')}</Button>);
  if (['decided', 'appealed', 'appeal_review', 'panel_review', 'final', 'closed'].includes(d.status)) {
    actions.push(<Button key="xlsx" icon={<DownloadOutlined />} data-testid="notice-xlsx" onClick={() => api.download(`/api/v1/cases/${encodeURIComponent(id)}/notice.xlsx`, `扣款通知书-${id}.xlsx`)}>{t('caseDetail.noticeXlsx')}</Button>);
    actions.push(<Button key="pdf" icon={<DownloadOutlined />} onClick={() => api.download(`/api/v1/cases/${encodeURIComponent(id)}/notice.pdf`, `扣款通知书-${id}.pdf`)}>{t('caseDetail.noticePdf')}</Button>);
    actions.push(<Button key="print" data-testid="notice-print" onClick={() => navigate(`/print/notice/${encodeURIComponent(id)}`)}>{t('print.open')}</Button>);
  }

  const levelNames = t('caseDetail.levelNames', { returnObjects: true }) as string[];
  const now = new Date().toISOString();
  const levelItems = [1, 2, 3].map((n) => {
    const ap = s.approvals.find((a) => a.level === n);
    const current = d.status === 'in_review' && s.level === n;
    const overdue = current && s.deadlines.review !== null && s.deadlines.review < now;
    return {
      title: `${t('caseDetail.level', { n })} ${levelNames[n - 1] ?? ''}`,
      status: ap ? ('finish' as const) : current ? (overdue ? ('error' as const) : ('process' as const)) : ('wait' as const),
      content: ap ? t('caseDetail.approvedBy', { by: ap.by, at: dateTime(ap.at) })
        : current ? `${overdue ? t('caseDetail.overdue') : t('caseDetail.current')} · ${t('caseDetail.reviewDue')} ${dateTime(s.deadlines.review)}` : t('caseDetail.pending'),
    };
  });
  // 科室初审 → 医保办复审: the hospital's own levels on 可疑 findings
  const hr = s.hospitalReview ?? null;
  const hospitalItems = hr ? (() => {
    const running = d.status === 'awaiting_explanation' && !hr.passed;
    const late = running && hr.due < now;
    const waiting = hr.departments.filter((x) => !hr.submitted.includes(x));
    const dueText = `${late ? t('caseDetail.overdue') : t('caseDetail.current')} · ${t('caseDetail.levelDue', { at: dateTime(hr.due) })}`;
    return [
      {
        title: t('caseDetail.deptLevel'),
        status: hr.passed || hr.level === 2 ? ('finish' as const) : running ? (late ? ('error' as const) : ('process' as const)) : ('wait' as const),
        content: [hr.submitted.length ? t('caseDetail.deptSubmitted', { depts: hr.submitted.join('、') }) : '', waiting.length && hr.level === 1 ? t('caseDetail.deptWaiting', { depts: waiting.join('、') }) : '',
          running && hr.level === 1 ? dueText : ''].filter(Boolean).join(' · ') || (hr.departments.length ? '' : '—'),
      },
      {
        title: t('caseDetail.officeLevel'),
        status: hr.passed ? ('finish' as const) : running && hr.level === 2 ? (late ? ('error' as const) : ('process' as const)) : ('wait' as const),
        content: [hr.passed ? `${t('caseDetail.officePassed', { by: hr.passed.by, at: dateTime(hr.passed.at) })} · ${hr.passed.first_pass ? t('caseDetail.firstPass') : t('caseDetail.notFirstPass')}` : '',
          hr.returns.length ? t('caseDetail.returnedTimes', { n: hr.returns.length }) : '', running && hr.level === 2 ? dueText : ''].filter(Boolean).join(' · '),
      },
    ];
  })() : [];

  const decisionTag = (f: CaseFinding | undefined) => {
    if (!f?.decision) return <Tag>{t('caseDetail.pending')}</Tag>;
    const o = f.decision.outcome;
    return <Space size={2} direction="vertical"><Tag color={o === 'confirmed' ? 'red' : o === 'rejected' ? 'green' : 'orange'} data-testid="decision">{t(`outcome.${o}`)}</Tag>{o !== 'rejected' ? yuan(f.decision.amount) : null}{f.decision.reason ? <Typography.Text type="secondary">{f.decision.reason}</Typography.Text> : null}</Space>;
  };

  const submitDialog = async () => {
    const v = await form.validateFields();
    if (!dialog) return;
    switch (dialog.kind) {
      case 'reject': return act({ type: 'decide', finding: dialog.finding, outcome: 'rejected', reason: v.reason });
      case 'partial': return act({ type: 'decide', finding: dialog.finding, outcome: 'partial', amount: Number(v.amount), reason: v.reason });
      case 'explain': return act({ type: 'explain', finding: dialog.finding, text: v.text, attachments: files });
      case 'appeal': return act({ type: 'appeal', findings: v.findings, reason: v.reason, evidence: files });
      case 'assign': return act({ type: 'assign_re_review', reviewer: v.reviewer });
      case 'return': return act({ type: 'return_level', reason: v.reason });
      case 'special': return act({ type: 'mark_special', reason: v.reason });
      case 'officeReturn': return act({ type: 'office_return', reason: v.reason, ...(v.departments?.length ? { departments: v.departments } : {}) });
      case 'rectify': return act({ type: 'rectify', text: v.text });
      case 'panel': return act({ type: 'refer_to_panel', members: v.members, reason: v.reason });
      case 'vote': return act({ type: 'panel_vote', vote: v.vote, ...(v.reason ? { reason: v.reason } : {}) });
      case 'revoke': {
        setBusy(true);
        try {
          await api.post(`/api/v1/penalties/${dialog.penalty}/revoke`, { reason: v.reason });
          setDialog(null);
          fines.reload();
        } catch (e) {
          message.error((e as Error).message);
        } finally {
          setBusy(false);
        }
        return;
      }
      case 'penalty': {
        const sureFine = await new Promise<boolean>((resolve) => {
          void modal.confirm({
            title: t('caseDetail.confirmPenalty'), content: t('caseDetail.confirmPenaltyText'), okText: t('app.confirm'), cancelText: t('app.cancel'),
            okButtonProps: { 'data-testid': 'confirm-ok' } as Record<string, string>, onOk: () => resolve(true), onCancel: () => resolve(false),
          });
        });
        if (!sureFine) return;
        setBusy(true);
        try {
          const r = await api.post<{ fine: number; basis: string }>(`/api/v1/cases/${encodeURIComponent(id)}/penalties`, { kind: v.penaltyKind, multiplier: Number(v.multiplier), hearing_offered: !!v.hearing, ...(v.penaltyKind === 'fraud' ? { suspend_months: Number(v.suspendMonths) } : {}) });
          message.success(`${t('caseDetail.fine')} ${yuan(r.fine)} · ${r.basis}`);
          setDialog(null);
          c.reload();
          fines.reload();
        } catch (e) {
          message.error((e as Error).message);
        } finally {
          setBusy(false);
        }
        return;
      }
      case 'rereview': {
        const results = (s.appeal?.findings ?? []).map((fid) => {
          const o = v[`o_${fid}`] as 'upheld' | 'overturned' | 'partial';
          return { finding: fid, outcome: o, ...(o === 'partial' ? { amount: Number(v[`a_${fid}`]) } : {}) };
        });
        return act({ type: 're_review', results, reason: v.reason });
      }
    }
  };
  const findingLabel = (fid: string) => {
    const r = d.findings.find((x) => x.id === fid);
    return r ? `${r.rule_id} ${r.rule_name} · ${r.mdtrt_id} · ${yuan(r.amount)}` : fid;
  };

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="case-detail">
      <Card size="small" title={<Space><span>{t('caseDetail.title')} {d.id}</span><Tag color={STATUS_COLORS[d.status]} data-testid="case-status">{t(`status.${d.status}`)}</Tag></Space>}
        extra={<Button size="small" onClick={() => navigate('/cases')}>{t('app.back')}</Button>}>
        <Descriptions size="small" column={{ xs: 1, md: 3 }} items={[
          { label: t('cases.medins'), children: d.medins_id },
          { label: t('cases.month'), children: d.month },
          { label: t('cases.findings'), children: d.finding_count },
          { label: t('cases.proposed'), children: yuan(d.proposed) },
          { label: t('cases.deduction'), children: <span data-testid="case-deduction">{yuan(d.deduction)}</span> },
          ...(d.risk === null ? [] : [{ label: t('cases.risk'), children: d.risk.toFixed(1) }]),
          { label: t('caseDetail.explanationDue'), children: dateTime(s.deadlines.explanation) },
          { label: t('caseDetail.reviewDue'), children: dateTime(s.deadlines.review) },
          { label: t('caseDetail.appealDue'), children: dateTime(s.deadlines.appeal) },
        ]} />
        {s.notice ? <Alert style={{ marginTop: 12 }} type={s.notice.explanation_required ? 'warning' : 'info'} showIcon data-testid="case-notice" message={isoToLocal(s.notice.message)} /> : null}
        {s.special ? <Alert style={{ marginTop: 12 }} type="info" showIcon data-testid="case-special" message={`${t('caseDetail.special')}${s.specialReason ? `：${s.specialReason}` : ''}`} /> : null}
        {s.rectification ? <Alert style={{ marginTop: 12 }} type="success" showIcon data-testid="case-rectification" message={`${t('caseDetail.rectification')}：${s.rectification.text}`} description={t('caseDetail.rectifiedAt', { by: s.rectification.by, at: dateTime(s.rectification.at) })} /> : null}
        <Space wrap style={{ marginTop: 12 }}>{actions}</Space>
        {d.unavailable.length ? (
          <div style={{ marginTop: 8 }} data-testid="unavailable">
            <Typography.Text type="secondary">{t('caseDetail.unavailable')}：</Typography.Text>
            {d.unavailable.map((u) => <div key={u.type} data-testid={`why-${u.type}`}><Typography.Text type="secondary">{t(`events.${u.type}`, { defaultValue: u.type })} — {isoToLocal(u.reason)}</Typography.Text></div>)}
          </div>
        ) : null}
      </Card>
      {hospitalItems.length ? (
        <Card size="small" title={t('caseDetail.hospitalLevels')}>
          <Steps size="small" items={hospitalItems} data-testid="hospital-levels" />
        </Card>
      ) : null}
      <Card size="small" title={t('caseDetail.levels')}
        extra={s.assignee && d.status === 'in_review' ? <Typography.Text data-testid="assignee">{t('caseDetail.assignee', { user: s.assignee.user, how: t(`caseDetail.how.${s.assignee.how}`) })}</Typography.Text> : null}>
        <Steps size="small" items={levelItems} data-testid="levels" />
      </Card>
      <AssignDialog caseId={id} open={assigning} onClose={() => setAssigning(false)} onDone={() => { setAssigning(false); c.reload(); }} />
      {s.appeal ? (
        <Card size="small" title={t('caseDetail.appealOf')}>
          <Descriptions size="small" column={1} items={[
            { label: t('caseDetail.by'), children: `${s.appeal.by} · ${dateTime(s.appeal.at)}` },
            { label: t('caseDetail.appealReason'), children: s.appeal.reason },
            { label: t('caseDetail.attachments'), children: <AttachmentLinks caseId={id} items={s.appeal.evidence} /> },
            ...(s.reReviewer ? [{ label: t('caseDetail.reviewer'), children: s.reReviewer }] : []),
          ]} />
        </Card>
      ) : null}
      <Card size="small" title={t('caseDetail.findings')}>
        <Table<FindingRow> size="small" rowKey="id" dataSource={d.findings} data-testid="findings" pagination={{ pageSize: 20 }}
          expandable={{ expandedRowRender: (r) => (
            <Space direction="vertical">
              <Typography.Text strong>{maskText(r.result?.vola_cont)}</Typography.Text>
              <div className="fg-evidence">{maskText(r.result?.vola_evid)}</div>
              {(r.result?.judge_result_detail_dtos ?? []).map((l) => <div key={l.rx_id} className="fg-evidence">{l.rx_id} · {l.hilist_code} {l.hilist_name} · {yuan(l.vola_amt)}</div>)}
            </Space>
          ) }}
          columns={[
            { title: t('caseDetail.rule'), render: (_, r) => <Space direction="vertical" size={0}><span>{r.rule_name}</span><Typography.Text type="secondary">{r.rule_id} · {r.pack}@{r.pack_version}</Typography.Text></Space> },
            { title: t('caseDetail.severity'), dataIndex: 'severity', render: (v: string) => <Tag color={SEV_COLOR[v]}>{t(`severity.${v}`)}</Tag> },
            { title: t('caseDetail.dept'), dataIndex: 'dept_codg' },
            { title: t('caseDetail.amount'), dataIndex: 'amount', align: 'right', render: (v: number) => yuan(v) },
            { title: t('caseDetail.encounter'), dataIndex: 'mdtrt_id', render: (v: string) => <a data-testid="encounter-link" href={`/encounters/${encodeURIComponent(v)}`} onClick={(e) => { e.preventDefault(); navigate(`/encounters/${encodeURIComponent(v)}`); }}>{v}</a> },
            { title: t('caseDetail.explanation'), render: (_, r) => { const ex = byId.get(r.id)?.explanation; return ex ? <Space direction="vertical" size={0}><span>{ex.text}</span><AttachmentLinks caseId={id} items={ex.attachments} /></Space> : null; } },
            { title: t('caseDetail.decision'), render: (_, r) => decisionTag(byId.get(r.id)) },
            { title: t('caseDetail.appealResult'), render: (_, r) => { const f = byId.get(r.id); return f?.appealResult ? <Space direction="vertical" size={0}><Tag color="geekblue" data-testid="appeal-result">{t(`outcome.${f.appealResult.outcome}`)}</Tag>{yuan(f.appealResult.amount)}</Space> : f?.appealed ? <Tag color="magenta">{t('caseDetail.appealed')}</Tag> : null; } },
            { title: '', key: 'actions', render: (_, r) => {
              const f = byId.get(r.id);
              if (canDecide && f && f.severity !== 'reminder') {
                return (
                  <Space size={4} wrap>
                    <Button size="small" type="primary" danger data-testid="decide-confirm" onClick={() => act({ type: 'decide', finding: r.id, outcome: 'confirmed', reason: '' })}>{t('caseDetail.confirm')}</Button>
                    <Button size="small" onClick={() => open({ kind: 'partial', finding: r.id })}>{t('caseDetail.partial')}</Button>
                    <Button size="small" onClick={() => open({ kind: 'reject', finding: r.id })}>{t('caseDetail.reject')}</Button>
                  </Space>
                );
              }
              if (may('explain')) return <Button size="small" onClick={() => open({ kind: 'explain', finding: r.id })}>{t('caseDetail.explain')}</Button>;
              return null;
            } },
          ]} />
      </Card>
      {fines.data?.items.length ? (
        <Card size="small" title={t('caseDetail.fines', { defaultValue: '罚款' })} data-testid="fines">
          <Table<Penalty> size="small" rowKey="id" dataSource={fines.data.items} pagination={false}
            columns={[
              { title: t('caseDetail.penaltyKind'), dataIndex: 'kind', render: (v: string) => t(`caseDetail.penaltyKinds.${v}`, { defaultValue: v }) },
              { title: t('caseDetail.multiplier'), dataIndex: 'multiplier' },
              { title: t('caseDetail.fine'), dataIndex: 'fine', align: 'right', render: (v: number, r) => (r.revoked ? <Typography.Text delete>{yuan(v)}</Typography.Text> : yuan(v)) },
              { title: t('caseDetail.reason'), dataIndex: 'basis' },
              { title: t('caseDetail.at'), dataIndex: 'at', render: (v: string) => dateTime(v) },
              { title: '', key: 'revoke', render: (_, r) => (r.revoked ? <Typography.Text type="secondary">{t('caseDetail.revoked', { defaultValue: '已撤销' })}: {r.revoked.reason}</Typography.Text>
                : is('admin', 'supervisor') ? <Button size="small" onClick={() => open({ kind: 'revoke', penalty: r.id })}>{t('caseDetail.revoke', { defaultValue: '撤销' })}</Button> : null) },
            ]} />
        </Card>
      ) : null}
      <Card size="small" title={t('caseDetail.events')}>
        <Table size="small" rowKey="seq" dataSource={d.events} pagination={false}
          columns={[
            { title: '#', dataIndex: 'seq', width: 50 },
            { title: t('caseDetail.type'), dataIndex: 'type', render: (v: string) => t(`events.${v}`, { defaultValue: v }) },
            { title: t('caseDetail.by'), dataIndex: 'actor' },
            { title: t('caseDetail.at'), dataIndex: 'at', render: (v: string) => dateTime(v) },
            { title: t('caseDetail.reason'), render: (_, e) => String(e.event.reason ?? e.event.text ?? e.event.reviewer ?? '') },
          ]} />
      </Card>

      <Modal open={!!dialog} onCancel={() => setDialog(null)} onOk={submitDialog} confirmLoading={busy} destroyOnHidden data-testid="case-dialog"
        title={dialog ? { reject: t('caseDetail.reject'), partial: t('caseDetail.partial'), explain: t('caseDetail.explain'), appeal: t('caseDetail.appeal'), assign: t('caseDetail.assign'), rereview: t('caseDetail.reReview'), return: t('caseDetail.returnLevel'), panel: t('caseDetail.referPanel'), vote: t('caseDetail.panelVote'), penalty: t('caseDetail.penalty'), revoke: t('caseDetail.revoke', { defaultValue: '撤销' }), special: t('caseDetail.markSpecial', { defaultValue: '标记特殊病例（48小时）' }), officeReturn: t('caseDetail.officeReturn'), rectify: t('caseDetail.rectify') }[dialog.kind] : ''}>
        <Form form={form} layout="vertical" preserve={false}
          initialValues={dialog?.kind === 'penalty' ? { penaltyKind: 'violation', multiplier: 1, hearing: true, suspendMonths: 6 } : dialog?.kind === 'appeal' ? { findings: appealable.map((f) => f.id) } : dialog?.kind === 'rereview' ? Object.fromEntries((s.appeal?.findings ?? []).map((f) => [`o_${f}`, 'upheld'])) : {}}>
          {dialog && 'finding' in dialog ? <Typography.Paragraph type="secondary">{findingLabel(dialog.finding)}</Typography.Paragraph> : null}
          {dialog?.kind === 'partial' ? <Form.Item name="amount" label={t('caseDetail.partialAmount')} rules={[{ required: true }]}><InputNumber min={0.01} step={0.01} style={{ width: 200 }} /></Form.Item> : null}
          {dialog?.kind === 'explain' ? <Form.Item name="text" label={t('caseDetail.explanation')} rules={[{ required: true }]}><Input.TextArea rows={4} data-testid="explain-input" /></Form.Item> : null}
          {dialog?.kind === 'rectify' ? <Form.Item name="text" label={t('caseDetail.rectification')} rules={[{ required: true }]}><Input.TextArea rows={4} data-testid="rectify-input" /></Form.Item> : null}
          {dialog?.kind === 'officeReturn' ? <Form.Item name="departments" label={t('caseDetail.departments')}><Select mode="multiple" options={(hr?.departments ?? []).map((x) => ({ value: x, label: x }))} /></Form.Item> : null}
          {dialog?.kind === 'appeal' ? (
            <Form.Item name="findings" label={t('caseDetail.appealFindings')} rules={[{ required: true }]}>
              <Checkbox.Group style={{ display: 'flex', flexDirection: 'column' }} options={appealable.map((f) => ({ value: f.id, label: findingLabel(f.id) }))} />
            </Form.Item>
          ) : null}
          {dialog?.kind === 'assign' ? <Form.Item name="reviewer" label={t('caseDetail.reviewer')} rules={[{ required: true }]}><Select data-testid="reviewer-input" showSearch optionFilterProp="label" options={eligibleOptions} /></Form.Item> : null}
          {dialog?.kind === 'panel' ? <Form.Item name="members" label={t('caseDetail.referPanel')} rules={[{ required: true }, { type: 'array', len: 3 }]}><Select mode="multiple" data-testid="panel-input" optionFilterProp="label" options={eligibleOptions} /></Form.Item> : null}
          {dialog?.kind === 'penalty' ? (
            <>
              <Form.Item name="penaltyKind" label={t('caseDetail.penaltyKind')} rules={[{ required: true }]}>
                <Radio.Group options={(['violation', 'fraud', 'agreement'] as const).map((k) => ({ value: k, label: t(`caseDetail.penaltyKinds.${k}`) }))} />
              </Form.Item>
              <Form.Item name="multiplier" label={t('caseDetail.multiplier')} rules={[{ required: true }]}><InputNumber min={1} max={5} step={0.5} /></Form.Item>
              <Form.Item noStyle shouldUpdate={(a, b) => a.penaltyKind !== b.penaltyKind}>
                {({ getFieldValue }) => (getFieldValue('penaltyKind') === 'fraud'
                  ? <Form.Item name="suspendMonths" label={t('caseDetail.suspendMonths', { defaultValue: '科室暂停医保结算（月，第四十条 6–12）' })} rules={[{ required: true }]}><InputNumber min={6} max={12} step={1} /></Form.Item>
                  : null)}
              </Form.Item>
              <Form.Item name="hearing" valuePropName="checked"><Checkbox>{t('caseDetail.hearing')}</Checkbox></Form.Item>
            </>
          ) : null}
          {dialog?.kind === 'vote' ? <Form.Item name="vote" rules={[{ required: true }]}><Radio.Group options={[{ value: 'uphold', label: t('caseDetail.uphold') }, { value: 'overturn', label: t('caseDetail.overturn') }]} /></Form.Item> : null}
          {dialog?.kind === 'rereview' ? (s.appeal?.findings ?? []).map((fid) => (
            <Space key={fid} direction="vertical" style={{ width: '100%', marginBottom: 8 }}>
              <Typography.Text>{findingLabel(fid)}</Typography.Text>
              <Space>
                <Form.Item name={`o_${fid}`} noStyle><Radio.Group data-testid="rereview-outcome" options={(['upheld', 'overturned', 'partial'] as const).map((o) => ({ value: o, label: t(`outcome.${o}`) }))} /></Form.Item>
                <Form.Item name={`a_${fid}`} noStyle><InputNumber min={0.01} step={0.01} placeholder={t('caseDetail.partialAmount')} /></Form.Item>
              </Space>
            </Space>
          )) : null}
          {dialog && ['reject', 'partial', 'appeal', 'return', 'panel', 'rereview', 'vote', 'revoke', 'special', 'officeReturn'].includes(dialog.kind) ? (
            <Form.Item name="reason" label={dialog.kind === 'appeal' ? t('caseDetail.appealReason') : t('caseDetail.reason')} rules={[{ required: dialog.kind !== 'vote' }]}>
              <Input.TextArea rows={3} data-testid="reason-input" />
            </Form.Item>
          ) : null}
          {dialog && ['explain', 'appeal'].includes(dialog.kind) ? (
            <Form.Item label={t('caseDetail.attachments')}>
              <Space direction="vertical">
                <AttachmentUpload caseId={id} value={files} onChange={setFiles} />
                <span data-testid="uploaded-files">{files.map((f) => f.name).join(', ')}</span>
              </Space>
            </Form.Item>
          ) : null}
        </Form>
      </Modal>
    </Space>
  );
}
