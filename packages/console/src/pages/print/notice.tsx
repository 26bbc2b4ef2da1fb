import { Alert, Button, Space, Spin } from 'antd';
import { PrinterOutlined, RollbackOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api.ts';
import { useApi } from '../../useApi.ts';
import { navigate } from '../../router.ts';
import { Failure } from '../../components/Failure.tsx';
import { yuan } from '../../format.ts';
import '../../i18n/system.ts';

/** GET /api/v1/cases/:id/notice.json: the notice as the XLSX and PDF say it, amounts in yuan. */
interface NoticeView {
  title: string; text: string; case_id: string; medins_id: string; medins_name: string; month: string; issued_at: string; appeal_deadline: string | null; final: boolean;
  lines: { no: number; rule: string; mdtrt_id: string; patn_id: string; proposed: number; deducted: number; decision: string }[];
  total: number; total_upper: string;
}

const plain = (v: number) => yuan(v).replace(/^¥/, '').replace(/^−¥/, '−');

/**
 * 扣款通知书 for A4 paper: the browser's print (or "save as PDF") gives pages with the table head repeated, page
 * numbers at the foot, and room for the agency's seal above the date. Without the side menu and header (a bare page).
 */
export function NoticePrintPage({ params }: { params: Record<string, string> }) {
  const { t } = useTranslation();
  const id = params.caseId;
  const n = useApi(() => api.get<NoticeView>(`/api/v1/cases/${encodeURIComponent(id)}/notice.json`), [id]);
  const back = () => navigate(`/cases/${encodeURIComponent(id)}`);
  if (n.error) {
    const notReady = n.error instanceof ApiError && (n.error.code === 'E_ILLEGAL_TRANSITION' || n.error.status === 409);
    return (
      <div className="fg-print-screen">
        <Space direction="vertical" style={{ width: 640, margin: '40px auto', display: 'flex' }}>
          {notReady ? <Alert type="warning" showIcon title={t('print.notReady')} data-testid="print-not-ready" /> : <Failure error={n.error} />}
          <Button icon={<RollbackOutlined />} onClick={back}>{t('print.back')}</Button>
        </Space>
      </div>
    );
  }
  if (!n.data) return <Spin style={{ display: 'block', marginTop: 80 }} />;
  const d = n.data;
  return (
    <div className="fg-print-screen">
      {/* page numbers in the page's margin box, in the console's language */}
      <style>{`@page { size: A4; margin: 20mm 18mm 22mm 18mm; @bottom-center { content: "${t('print.page', { n: '" counter(page) "' })}"; font-size: 9pt; color: #555; } }`}</style>
      <div className="fg-print-toolbar">
        <Space>
          <Button type="primary" icon={<PrinterOutlined />} onClick={() => window.print()} data-testid="print-button">{t('print.print')}</Button>
          <Button icon={<RollbackOutlined />} onClick={back}>{t('print.back')}</Button>
        </Space>
      </div>
      <article className="fg-a4" data-testid="print-notice">
        <h1 className="fg-a4-title">{d.title}</h1>
        <div className="fg-a4-meta">
          <span>{t('print.caseId')}：{d.case_id}</span>
          <span>{t('print.medins')}：{d.medins_name || d.medins_id}（{d.medins_id}）</span>
          <span>{t('print.month')}：{d.month}</span>
        </div>
        <p className="fg-a4-text" data-testid="print-text">{d.text}</p>
        <table className="fg-a4-table">
          <thead>
            <tr><th>{t('print.no')}</th><th>{t('print.rule')}</th><th>{t('print.encounter')}</th><th>{t('print.patient')}</th><th>{t('print.proposed')}</th><th>{t('print.deducted')}</th><th>{t('print.decision')}</th></tr>
          </thead>
          <tbody>
            {d.lines.map((l) => (
              <tr key={l.no}><td className="num">{l.no}</td><td>{l.rule}</td><td>{l.mdtrt_id}</td><td>{l.patn_id}</td><td className="num">{plain(l.proposed)}</td><td className="num">{plain(l.deducted)}</td><td>{l.decision}</td></tr>
            ))}
          </tbody>
          <tfoot>
            <tr><td colSpan={5}>{t('print.total')}</td><td className="num" data-testid="print-total">{plain(d.total)}</td><td /></tr>
          </tfoot>
        </table>
        <p className="fg-a4-upper">{t('print.total')}：{yuan(d.total)} {t('print.yuan')}（{t('print.upper')}：<span data-testid="print-upper">{d.total_upper}</span>）</p>
        <div className="fg-a4-sign">
          <div className="fg-a4-seal" data-testid="print-seal">{t('print.seal')}</div>
          <div>{t('print.issuer')}{t('print.seal')}</div>
          <div>{t('print.issued')}：{d.issued_at.slice(0, 10)}</div>
        </div>
      </article>
    </div>
  );
}
