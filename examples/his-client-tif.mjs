// An example HIS client of FundGuard signing with the national gateway headers (x-tif-*), as national-standard HIS
// clients do: one configured base URL (the transaction number appended to it), one paasid and secret.
//
//   import { callFsi, tifHeaders } from './his-client-tif.mjs';
//   const answer = await callFsi({ baseUrl: 'http://10.1.2.3:8080/api/v1/fsi/', paasid, secret, infno: '3101', envelope });
//
// Signature (audit-api.md §1): lowercase hex SHA-256 of timestamp + secret + nonce + timestamp, with the timestamp in
// Unix seconds (the server accepts ±300 s: keep the HIS clock in sync) and a nonce never reused within that window.
import { createHash, randomBytes } from 'node:crypto';

export function tifHeaders({ paasid, secret, now = Date.now(), nonce = randomBytes(16).toString('hex') }) {
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHash('sha256').update(`${timestamp}${secret}${nonce}${timestamp}`).digest('hex');
  return { 'x-tif-paasid': paasid, 'x-tif-timestamp': timestamp, 'x-tif-nonce': nonce, 'x-tif-signature': signature };
}

/**
 * Posts one transaction to `baseUrl` + infno (a base URL ends in '/'; without it the HIS would post to …/fsi3101, which
 * answers 404 naming the URL to configure). Returns the national answer, or { failOpen: true } after `timeoutMs` or on
 * any transport error or non-envelope answer: the order goes on without the audit.
 */
export async function callFsi({ baseUrl, paasid, secret, infno, envelope, timeoutMs = 10_000 }) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const res = await fetch(`${baseUrl}${infno}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...tifHeaders({ paasid, secret }) },
      body: JSON.stringify({ ...envelope, infno }),
      signal: ctrl.signal,
    });
    const answer = await res.json();
    if (typeof answer.infcode !== 'number') return { failOpen: true, reason: `HTTP ${res.status} without infcode` };
    return answer;
  } catch (e) {
    return { failOpen: true, reason: e.name === 'AbortError' ? 'timeout' : String(e.message ?? e) };
  } finally {
    clearTimeout(timer);
  }
}
