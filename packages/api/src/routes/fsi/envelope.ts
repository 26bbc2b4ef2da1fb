import { randomBytes } from 'node:crypto';

/** National time stamps are Beijing time (UTC+8, no daylight saving): yyyyMMddHHmmssSSS. */
export function nationalTime(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3600_000).toISOString(); // shift, then read the UTC fields
  return t.slice(0, 4) + t.slice(5, 7) + t.slice(8, 10) + t.slice(11, 13) + t.slice(14, 16) + t.slice(17, 19) + t.slice(20, 23);
}

export function nationalDateTime(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)}`;
}

export function generatedMsgId(d: Date): string {
  return `FG${nationalTime(d)}${randomBytes(4).toString('hex')}`;
}

/** The national response envelope (audit-api.md §1): integer infcode, output always present. */
export interface ResponseEnvelope {
  infcode: 0 | -1;
  inf_refmsgid: string;
  refmsg_time: string;
  respond_time: string;
  enctype: '';
  signtype: '';
  err_msg: string | null;
  output: Record<string, unknown>;
}

export function envelope(opts: { msgid: string; received: Date; responded: Date; output?: Record<string, unknown>; error?: string }): ResponseEnvelope {
  return {
    infcode: opts.error === undefined ? 0 : -1,
    inf_refmsgid: opts.msgid,
    refmsg_time: nationalTime(opts.received),
    respond_time: nationalTime(opts.responded),
    enctype: '',
    signtype: '',
    err_msg: opts.error ?? null,
    output: opts.output ?? (opts.error === undefined ? { result: [] } : {}),
  };
}

/** Splits the request into envelope fields and `data`: either `{infno, msgid, input: {data}}` or `{data}`. */
export function unwrap(body: unknown): { envelope: Record<string, unknown>; data: unknown; infno: string | null; msgid: string | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { envelope: {}, data: undefined, infno: null, msgid: null };
  const b = body as Record<string, unknown>;
  const { input, data, ...rest } = b;
  const inner = typeof input === 'object' && input !== null ? (input as Record<string, unknown>).data : undefined;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  return { envelope: rest, data: inner ?? data, infno: str(b.infno), msgid: str(b.msgid) };
}
