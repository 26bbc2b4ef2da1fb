import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Col, Modal, Row, Select, Space, Statistic, Table, Tag, Typography, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { DayRange } from '../../components/Dates.tsx';
import { useNames } from '../../dictionary.ts';
import { translateIssue } from '../../errors.ts';
import { useConfirm } from '../../components/confirm.ts';
import type { PackDiff } from '@fundguard/core';
import { ApiError, api, uploadType, type Issue } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { useSession } from '../../session.tsx';
import { Failure } from '../../components/Failure.tsx';
import { dateTime, yuan } from '../../format.ts';

interface PackRow { pack: string; name: string; region: string; active_version: string | null; versions: number; updated_at: string }
interface VersionRow { pack: string; version: string; status: string; rule_count: number; author: string; change_summary: string; created_at: string; activated_at: string | null }
interface RuleDef { id: string; name?: string; kind?: string; severity?: string; category?: string; basis?: string }
interface Impact { findings_added: number; findings_removed: number; amount_delta: number; active_version: string | null; by_rule: { rule_id: string; added: number; removed: number; amount_delta: number }[]; by_institution: { medins_id: string; added: number; removed: number; amount_delta: number }[] }
interface CaseExpectation { rule_id: string; mdtrt_id: string; vola_amt: number; rx_ids: string[] }
interface CaseResult { name: string; passed: boolean; missing: CaseExpectation[]; unexpected: CaseExpectation[]; errors: string[] }
interface CaseRun { version: string; passed: number; failed: number; results: CaseResult[] }
interface UploadOutcome { ok: boolean; message: string; rules: RuleDef[]; issues: Issue[] }

const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** The server's change summary ("new pack, 3 rules", "+2 rules; 1 rules changed (vs 2024.1)") in the console's language. */
export function changeSummary(s: string, t: TFunction): string {
  const parts: string[] = [];
  let m: RegExpExecArray | null;
  if ((m = /^new pack, (\d+) rules/.exec(s))) return t('rules.summary.new', { n: Number(m[1]) });
  if (/^no changes/.test(s)) parts.push(t('rules.summary.none'));
  if ((m = /\+(\d+) rules/.exec(s))) parts.push(t('rules.summary.added', { n: Number(m[1]) }));
  if ((m = /−(\d+) rules/.exec(s))) parts.push(t('rules.summary.removed', { n: Number(m[1]) }));
  if ((m = /(\d+) rules changed/.exec(s))) parts.push(t('rules.summary.changed', { n: Number(m[1]) }));
  if ((m = /(\d+) groups changed/.exec(s))) parts.push(t('rules.summary.groups', { n: Number(m[1]) }));
  if ((m = /envelope: ([^;(]+)/.exec(s))) parts.push(t('rules.summary.envelope', { fields: m[1].trim() }));
  const vs = /\(vs ([^)]+)\)/.exec(s);
  if (!parts.length) return s;
  return parts.join('；') + (vs ? t('rules.summary.vs', { v: vs[1] }) : '');
}

/** Which rule an issue belongs to: `record: rule=<id>` from the validator, else the `rules[i]` index of its field. */
function ruleOfIssue(i: Issue, rules: RuleDef[]): string | null {
  const m = /^rule=(.+)$/.exec(i.record ?? '');
  if (m) return m[1].startsWith('#') ? rules[Number(m[1].slice(1))]?.id ?? m[1] : m[1];
  const f = /^rules\[(\d+)\]/.exec(i.field);
  return f ? rules[Number(f[1])]?.id ?? `#${f[1]}` : null;
}

function UploadResult({ outcome }: { outcome: UploadOutcome }) {
  const { t } = useTranslation();
  const byRule = new Map<string, Issue[]>();
  const packLevel: Issue[] = [];
  for (const i of outcome.issues) {
    const r = ruleOfIssue(i, outcome.rules);
    if (r === null) packLevel.push(i);
    else byRule.set(r, [...(byRule.get(r) ?? []), i]);
  }
  // Rules the file names, plus any the issues name that could not be read from the file (YAML).
  const rows: RuleDef[] = [...outcome.rules.map((r, i) => ({ ...r, id: r.id ?? `#${i}` })), ...[...byRule.keys()].filter((k) => !outcome.rules.some((r) => r.id === k)).map((id) => ({ id }))];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="upload-result">
      <Alert type={outcome.ok ? 'success' : 'error'} showIcon title={outcome.message} />
      {packLevel.length ? <Alert type="error" title={t('rules.packLevel')} description={packLevel.map(translateIssue).join('；')} /> : null}
      {rows.length ? (
        <Table<RuleDef> size="small" rowKey="id" dataSource={rows} pagination={false} data-testid="upload-rules"
          rowClassName={(r) => (byRule.has(r.id) ? 'fg-row-flagged' : '')}
          columns={[
            { title: t('rules.ruleId'), dataIndex: 'id' },
            { title: t('rules.name'), dataIndex: 'name' },
            { title: t('rules.kind'), dataIndex: 'kind', render: (k?: string) => (k ? t(`category.${k}`, { defaultValue: k }) : '—') },
            { title: t('rules.errorsCol'), render: (_, r) => byRule.has(r.id)
              ? <div className="fg-rule-error" data-testid={`rule-errors-${r.id}`}>{byRule.get(r.id)!.map((i, n) => <div key={n}>{translateIssue({ ...i, record: undefined })}</div>)}</div>
              : outcome.ok || outcome.issues.length ? <Tag color="green">{t('rules.ok')}</Tag> : null },
          ]} />
      ) : null}
    </Space>
  );
}

function DiffView({ diff }: { diff: PackDiff }) {
  const { t } = useTranslation();
  const rows = [
    ...diff.envelope.map((c) => ({ key: `e:${c.field}`, where: '(pack)', ...c })),
    ...diff.groups.added.map((g) => ({ key: `ga:${g}`, where: `@${g}`, field: '+', before: undefined, after: t('rules.added') })),
    ...diff.groups.removed.map((g) => ({ key: `gr:${g}`, where: `@${g}`, field: '−', before: t('rules.removed'), after: undefined })),
    ...diff.groups.changed.flatMap((g) => g.changes.map((c) => ({ key: `gc:${g.group}:${c.field}`, where: `@${g.group}`, ...c }))),
    ...diff.rules.added.map((r) => ({ key: `ra:${r}`, where: r, field: '+', before: undefined, after: t('rules.added') })),
    ...diff.rules.removed.map((r) => ({ key: `rr:${r}`, where: r, field: '−', before: t('rules.removed'), after: undefined })),
    ...diff.rules.changed.flatMap((r) => r.changes.map((c) => ({ key: `rc:${r.id}:${c.field}`, where: r.id, ...c }))),
  ];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="diff">
      <Typography.Text strong>{diff.pack} {diff.from} → {diff.to}: {diff.summary}</Typography.Text>
      <Table size="small" rowKey="key" dataSource={rows} pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          { title: t('rules.ruleId'), dataIndex: 'where' },
          { title: t('rules.field'), dataIndex: 'field' },
          { title: t('rules.before'), dataIndex: 'before', render: (v: unknown) => <Typography.Text delete type="danger">{show(v)}</Typography.Text> },
          { title: t('rules.after'), dataIndex: 'after', render: (v: unknown) => <Typography.Text type="success">{show(v)}</Typography.Text> },
        ]} />
    </Space>
  );
}

/** Rule packs: list, versions, field-by-field diff, upload with per-rule errors, impact replay, activation. */
export function RulesPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const confirm = useConfirm();
  const { me } = useSession();
  const writer = ['admin', 'rule_admin'].includes(me.role);
  const names = useNames();
  const packs = useApi(() => api.get<{ items: PackRow[] }>('/api/v1/rule-packs'), []);
  const [pack, setPack] = useState<string | null>(null);
  const current = pack ?? packs.data?.items[0]?.pack ?? null;
  const versions = useApi(() => (current ? api.get<{ items: VersionRow[] }>(`/api/v1/rule-packs/${encodeURIComponent(current)}/versions`) : Promise.resolve({ items: [] })), [current]);
  const [shownVersion, setShownVersion] = useState<string | null>(null);
  const viewVersion = shownVersion ?? versions.data?.items.find((v) => v.status === 'active')?.version ?? versions.data?.items[0]?.version ?? null;
  const content = useApi(() => (current && viewVersion ? api.get<{ rules: RuleDef[] }>(`/api/v1/rule-packs/${encodeURIComponent(current)}/versions/${encodeURIComponent(viewVersion)}`) : Promise.resolve({ rules: [] })), [current, viewVersion]);
  const viewRules = content.data?.rules ?? [];
  const [diffSel, setDiffSel] = useState<{ from?: string; to?: string }>({});
  const [diff, setDiff] = useState<PackDiff | null>(null);
  const [outcome, setOutcome] = useState<UploadOutcome | null>(null);
  const [impactFor, setImpactFor] = useState<string | null>(null);
  const [impactScope, setImpactScope] = useState({ from: '2024-01-01', to: '2024-02-01' });
  const [impact, setImpact] = useState<Impact | null>(null);
  const [busy, setBusy] = useState(false);
  const [validateOnly, setValidateOnly] = useState(false);
  const [caseRun, setCaseRun] = useState<CaseRun | null>(null);

  const upload = async (file: File) => {
    const text = await file.text();
    let rules: RuleDef[] = [];
    try {
      const parsed = JSON.parse(text) as { rules?: RuleDef[] };
      if (Array.isArray(parsed.rules)) rules = parsed.rules;
    } catch {
      /* YAML, or broken JSON: the server says what is wrong */
    }
    try {
      if (validateOnly || !writer) {
        const v = await api.upload<{ pack: string; version: string; rule_count: number }>('/api/v1/rule-packs/validate', new Blob([text]), uploadType(file.name));
        setOutcome({ ok: true, message: t('rules.valid', { pack: v.pack, version: v.version, n: v.rule_count }), rules, issues: [] });
        return;
      }
      const r = await api.upload<{ pack: string; version: string; unchanged?: boolean }>('/api/v1/rule-packs', new Blob([text]), uploadType(file.name));
      setOutcome({ ok: true, message: r.unchanged ? t('rules.unchanged') : t('rules.uploaded', { pack: r.pack, version: r.version }), rules, issues: [] });
      setPack(r.pack);
      packs.reload();
      versions.reload();
    } catch (e) {
      const issues = e instanceof ApiError ? e.issues : [];
      setOutcome({ ok: false, message: issues.length ? `${t('errors.code.E_PACK_INVALID')} ${t('rules.errors', { n: (e as ApiError).total ?? issues.length })}` : (e as Error).message, rules, issues });
    }
  };
  const runCases = async (version: string, files: File[]) => {
    try {
      const cases = await Promise.all(files.map(async (f) => JSON.parse(await f.text()) as unknown));
      setCaseRun({ version, ...(await api.post<Omit<CaseRun, 'version'>>(`/api/v1/rule-packs/${encodeURIComponent(current!)}/versions/${encodeURIComponent(version)}/cases`, { cases })) });
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const activate = async (v: string) => {
    try {
      await api.post(`/api/v1/rule-packs/${encodeURIComponent(current!)}/versions/${encodeURIComponent(v)}/activate`);
      message.success(t('rules.activated', { v }));
      packs.reload();
      versions.reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const compare = async () => {
    if (!current || !diffSel.from || !diffSel.to) return;
    try {
      setDiff(await api.get<PackDiff>(`/api/v1/rule-packs/${encodeURIComponent(current)}/diff`, { from: diffSel.from, to: diffSel.to }));
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const runImpact = async () => {
    setBusy(true);
    try {
      setImpact(await api.post<Impact>(`/api/v1/rule-packs/${encodeURIComponent(current!)}/versions/${encodeURIComponent(impactFor!)}/impact`, impactScope));
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (packs.error) return <Failure error={packs.error} />;
  const versionOptions = (versions.data?.items ?? []).map((v) => ({ value: v.version, label: `${v.version}（${t(`packStatus.${v.status}`, { defaultValue: v.status })}）` }));
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="rules">
      <Card size="small" title={t('rules.packs')}
        extra={
          <Space>
            <Checkbox checked={validateOnly || !writer} disabled={!writer} onChange={(e) => setValidateOnly(e.target.checked)} data-testid="validate-only">{t('rules.validateOnly')}</Checkbox>
            <span data-testid="pack-upload"><Upload accept=".json,.yaml,.yml" showUploadList={false} beforeUpload={(f) => (void upload(f), false)}><Button icon={<UploadOutlined />}>{writer && !validateOnly ? t('rules.upload') : t('rules.validate')}</Button></Upload></span>
          </Space>
        }>
        <Table<PackRow> size="small" rowKey="pack" dataSource={packs.data?.items ?? []} loading={packs.loading} pagination={false}
          rowSelection={{ type: 'radio', selectedRowKeys: current ? [current] : [], onChange: (k) => { setPack(String(k[0])); setShownVersion(null); setDiff(null); } }}
          onRow={(r) => ({ onClick: () => { setPack(r.pack); setShownVersion(null); setDiff(null); } })}
          columns={[
            { title: t('rules.pack'), dataIndex: 'pack' },
            { title: t('rules.name'), dataIndex: 'name' },
            { title: t('rules.region'), dataIndex: 'region', render: (r: string) => names.region(r) },
            { title: t('rules.active'), dataIndex: 'active_version', render: (v: string | null) => (v ? <Tag color="green">{v}</Tag> : '—') },
            { title: t('rules.versions'), dataIndex: 'versions', align: 'right' },
          ]} />
      </Card>
      {outcome ? <Card size="small" title={t('rules.upload')} extra={<Button size="small" onClick={() => setOutcome(null)}>×</Button>}><UploadResult outcome={outcome} /></Card> : null}
      {current ? (
        <Card size="small" title={`${t('rules.versions')} · ${current}`}>
          <Table<VersionRow> size="small" rowKey="version" dataSource={versions.data?.items ?? []} loading={versions.loading} pagination={false} data-testid="versions"
            columns={[
              { title: t('rules.version'), dataIndex: 'version', render: (v: string) => <a onClick={() => setShownVersion(v)}>{v}</a> },
              { title: t('rules.statusCol'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'active' ? 'green' : s === 'draft' ? 'orange' : 'default'}>{t(`packStatus.${s}`, { defaultValue: s })}</Tag> },
              { title: t('rules.content'), dataIndex: 'rule_count', align: 'right' },
              { title: t('rules.author'), dataIndex: 'author' },
              { title: t('rules.created'), dataIndex: 'created_at', render: (v: string) => dateTime(v) },
              { title: t('rules.changes'), dataIndex: 'change_summary', render: (v: string) => changeSummary(v ?? '', t) },
              { title: '', render: (_, v) => (
                <Space>
                  <span data-testid={`cases-${v.version}`}>
                    <Upload accept=".json" multiple showUploadList={false} beforeUpload={(f, list) => { if (f === list[list.length - 1]) void runCases(v.version, list); return false; }}>
                      <Button size="small">{t('rules.runCases')}</Button>
                    </Upload>
                  </span>
                  {writer && v.status !== 'active' ? <Button size="small" data-testid={`impact-${v.version}`} onClick={() => { setImpactFor(v.version); setImpact(null); }}>{t('rules.impact')}</Button> : null}
                  {writer && v.status !== 'active' ? <Button size="small" type="primary" data-testid={`activate-${v.version}`} onClick={() => confirm(t('rules.activateConfirm', { pack: current, v: v.version }), () => activate(v.version), t('rules.activateHelp'))}>{t('rules.activate')}</Button> : null}
                </Space>
              ) },
            ]} />
          <Space style={{ marginTop: 12 }} wrap>
            <span>{t('rules.diff')}</span>
            <Select placeholder={t('rules.from')} style={{ width: 220 }} data-testid="diff-from" options={versionOptions} value={diffSel.from} onChange={(from) => setDiffSel({ ...diffSel, from })} />
            <Select placeholder={t('rules.to')} style={{ width: 220 }} data-testid="diff-to" options={versionOptions} value={diffSel.to} onChange={(to) => setDiffSel({ ...diffSel, to })} />
            <Button onClick={compare} data-testid="diff-compare" disabled={!diffSel.from || !diffSel.to}>{t('rules.compare')}</Button>
          </Space>
          {diff ? <div style={{ marginTop: 12 }}><DiffView diff={diff} /></div> : null}
        </Card>
      ) : null}
      {caseRun ? (
        <Card size="small" title={`${t('rules.runCases')} · ${current}@${caseRun.version}`} extra={<Button size="small" onClick={() => setCaseRun(null)}>×</Button>} data-testid="case-run">
          <Alert type={caseRun.failed ? 'error' : 'success'} showIcon title={t('rules.casesResult', { passed: caseRun.passed, failed: caseRun.failed })} style={{ marginBottom: 12 }} />
          <Table<CaseResult> size="small" rowKey="name" dataSource={caseRun.results} pagination={false}
            columns={[
              { title: t('rules.caseName'), dataIndex: 'name' },
              { title: t('rules.statusCol'), dataIndex: 'passed', render: (p: boolean) => <Tag color={p ? 'green' : 'red'}>{p ? t('rules.ok') : t('rules.failed')}</Tag> },
              { title: t('rules.errorsCol'), render: (_, r) => (
                <div className="fg-rule-error">
                  {r.errors.map((e) => <div key={e}>{e}</div>)}
                  {r.missing.map((m) => <div key={`m${m.mdtrt_id}${m.rule_id}`}>− {m.mdtrt_id} {m.rule_id} ¥{m.vola_amt} [{m.rx_ids.join(', ')}]</div>)}
                  {r.unexpected.map((m) => <div key={`u${m.mdtrt_id}${m.rule_id}`}>+ {m.mdtrt_id} {m.rule_id} ¥{m.vola_amt} [{m.rx_ids.join(', ')}]</div>)}
                </div>
              ) },
            ]} />
        </Card>
      ) : null}
      {current && viewVersion ? (
        <Card size="small" title={`${t('rules.content')} · ${current}@${viewVersion}`}>
          <Table<RuleDef> size="small" rowKey="id" dataSource={content.data?.rules ?? []} loading={content.loading} pagination={{ pageSize: 20 }}
            columns={[
              { title: t('rules.ruleId'), dataIndex: 'id' },
              { title: t('rules.name'), dataIndex: 'name' },
              { title: t('rules.kind'), dataIndex: 'kind', render: (k: string) => t(`rules.kinds.${k}`, { defaultValue: k }) },
              { title: t('rules.category'), dataIndex: 'category', render: (v: string) => t(`category.${v}`, { defaultValue: v }) },
              { title: t('rules.severity'), dataIndex: 'severity', render: (v: string) => t(`severity.${v}`) },
              { title: t('rules.basis'), dataIndex: 'basis', render: (v: string) => <span className="fg-evidence">{v}</span> },
            ]} />
        </Card>
      ) : null}
      <Modal open={!!impactFor} title={`${t('rules.impact')} · ${current}@${impactFor}`} onCancel={() => setImpactFor(null)} footer={null} width={760} destroyOnHidden>
        <Space wrap>
          <span>{t('rules.impactPeriod')}</span><DayRange value={impactScope} onChange={(v) => setImpactScope({ ...impactScope, from: v.from ?? impactScope.from, to: v.to ?? impactScope.to })} />
          <Button type="primary" loading={busy} onClick={runImpact} data-testid="impact-run">{t('rules.run')}</Button>
        </Space>
        {impact ? (
          <Space direction="vertical" style={{ width: '100%', marginTop: 16 }} data-testid="impact-result">
            <Row gutter={16}>
              <Col span={8}><Statistic title={t('rules.added')} value={impact.findings_added} /></Col>
              <Col span={8}><Statistic title={t('rules.removed')} value={impact.findings_removed} /></Col>
              <Col span={8}><Statistic title={t('rules.delta')} value={yuan(impact.amount_delta)} /></Col>
            </Row>
            <Table size="small" rowKey="rule_id" dataSource={impact.by_rule} pagination={{ pageSize: 10 }}
              columns={[{ title: t('rules.ruleId'), dataIndex: 'rule_id', render: (v: string) => { const r = viewRules.find((x) => x.id === v); return r?.name ? <>{r.name}<br /><Typography.Text type="secondary" style={{ fontSize: 12 }}>{v}</Typography.Text></> : v; } }, { title: t('rules.added'), dataIndex: 'added' }, { title: t('rules.removed'), dataIndex: 'removed' }, { title: t('rules.delta'), dataIndex: 'amount_delta', render: (v: number) => yuan(v) }]} />
            {writer ? <Button type="primary" data-testid="impact-activate" onClick={() => { const v = impactFor!; confirm(t('rules.activateConfirm', { pack: current, v }), async () => { await activate(v); setImpactFor(null); }, t('rules.activateHelp')); }}>{t('rules.activate')} {impactFor}</Button> : null}
          </Space>
        ) : null}
      </Modal>
    </Space>
  );
}
