// An example HIS client of FundGuard's 3101/3103 (the national interfaces): what a hospital system does when a
// doctor signs an order. It waits at most 10 s and then proceeds without the platform (fail-open): an audit
// service must never stop care.
//
//   import { auditOrder } from './his-client.mjs';
//   const r = await auditOrder({ baseUrl, apiKey, envelope, decide: (warning) => ({ dspo_way: '2' }) });

const pad = (n, w = 2) => String(n).padStart(w, '0');
function msgid(fixmedins) {
  const d = new Date();
  return `${fixmedins}${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}${pad(d.getMilliseconds(), 4)}`;
}

async function post(baseUrl, apiKey, infno, body, timeoutMs) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const res = await fetch(`${baseUrl}/api/v1/fsi/${infno}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ ...body, infno }),
      signal: ctrl.signal,
    });
    return await res.json();
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends the order (a 3101 envelope) for audit; shows each warning to the doctor (`decide`), and reports the decisions
 * with 3103. Returns { failOpen, warnings, decisions }. On timeout or any transport error: failOpen true, no warnings.
 */
export async function auditOrder({ baseUrl, apiKey, envelope, decide, timeoutMs = 10_000 }) {
  let answer;
  try {
    answer = await post(baseUrl, apiKey, '3101', { ...envelope, msgid: envelope.msgid ?? msgid(envelope.fixmedins_code ?? 'HIS') }, timeoutMs);
  } catch (e) {
    return { failOpen: true, reason: e.name === 'AbortError' ? 'timeout' : String(e.message ?? e), warnings: [], decisions: [] };
  }
  if (answer.infcode !== 0) return { failOpen: true, reason: answer.err_msg, warnings: [], decisions: [] };
  const warnings = answer.output.result;
  if (warnings.length === 0) return { failOpen: false, warnings, decisions: [] };
  const decisions = warnings.map((w) => ({ warn_rslt_id: w.jr_id, dspo_way_rea: '', ...decide(w) }));
  try {
    await post(baseUrl, apiKey, '3103', { msgid: msgid(envelope.fixmedins_code ?? 'HIS'), input: { data: { warn_type: '1', warns: decisions } } }, timeoutMs);
  } catch {
    // Feedback is best effort: the order goes on either way.
  }
  return { failOpen: false, warnings, decisions };
}
