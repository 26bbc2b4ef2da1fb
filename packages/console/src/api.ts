// The console talks to the API over HTTP only; the session key lives in localStorage (8 h, 30 min idle, revoked
// server-side at sign-out). Why not an httpOnly cookie: see packages/console/README.md, "Session token".
import { translateError, type IssueLike } from './errors.ts';

const TOKEN_KEY = 'fg.token';
/** tries of a request the server refused as busy (503 + Retry-After) before the person is told */
const MAX_BUSY_ATTEMPTS = 6;

export type Role = 'admin' | 'rule_admin' | 'auditor' | 'supervisor' | 'hospital' | 'insured' | 'integration';
export interface Me {
  id: string;
  role: Role;
  institutionId?: string | null;
  patnId?: string | null;
  /** the session may only change its password (after an administrator's reset, or the demo password outside demo mode) */
  mustChangePassword?: boolean;
  /** the user's name (GET /api/v1/me; not in the sign-in answer) */
  display_name?: string | null;
}

/** One problem the server found, with the record and field it names (errors.ts translates it). */
export type Issue = IssueLike;

/**
 * An error answer of the API. `message` is what a person reads: translated from the stable `code` (and the known
 * details) into the console's language, amounts in yuan; the server's own text stays in `serverMessage`.
 */
export class ApiError extends Error {
  readonly serverMessage: string;
  constructor(readonly status: number, readonly code: string, serverMessage: string, readonly issues: Issue[] = [], readonly total?: number) {
    super(translateError(status, code, serverMessage, issues, total));
    this.serverMessage = serverMessage;
  }
}

export const getToken = () => localStorage.getItem(TOKEN_KEY);
export const setToken = (t: string | null) => (t ? localStorage.setItem(TOKEN_KEY, t) : localStorage.removeItem(TOKEN_KEY));

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function request(method: string, path: string, opts: { query?: Query; json?: unknown; body?: BodyInit; contentType?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  } else if (opts.contentType) headers['content-type'] = opts.contentType;
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await fetch(withQuery(path, opts.query), { method, headers, body });
    } catch (e) {
      throw new ApiError(0, 'E_NETWORK', (e as Error).message);
    }
    // A 503 with Retry-After is the server shedding load: it refused the request before reading it, so nothing
    // happened and sending it again is safe for any method. A person would only click again; the console waits.
    const retryAfter = Number(res.headers.get('retry-after'));
    if (res.status !== 503 || !(retryAfter >= 0) || attempt >= MAX_BUSY_ATTEMPTS) break;
    await new Promise((r) => setTimeout(r, Math.min(5, Math.max(retryAfter, 0.5)) * 1000 * attempt));
  }
  if (!res.ok) {
    let code = 'E_HTTP';
    let message = `${res.status} ${res.statusText}`;
    let issues: Issue[] = [];
    let total: number | undefined;
    try {
      const j = (await res.json()) as { error?: { code: string; message: string; issues?: Issue[]; total?: number } };
      if (j.error) {
        ({ code, message, total } = j.error);
        issues = j.error.issues ?? [];
      }
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && token && path !== '/api/v1/auth/login') window.dispatchEvent(new Event('fg:unauthorized'));
    throw new ApiError(res.status, code, message, issues, total);
  }
  return res;
}

export const api = {
  async get<T>(path: string, query?: Query): Promise<T> {
    return (await request('GET', path, { query })).json() as Promise<T>;
  },
  async post<T>(path: string, json?: unknown, query?: Query): Promise<T> {
    const res = await request('POST', path, { json: json ?? {}, query });
    return (res.status === 204 ? undefined : res.json()) as Promise<T>;
  },
  async patch<T>(path: string, json: unknown): Promise<T> {
    return (await request('PATCH', path, { json })).json() as Promise<T>;
  },
  async delete<T = void>(path: string): Promise<T> {
    const res = await request('DELETE', path);
    return (res.status === 204 ? undefined : res.json()) as Promise<T>;
  },
  /** A file as the request body (uploads of imports, packs, attachments). */
  async upload<T>(path: string, file: Blob, contentType: string, query?: Query): Promise<T> {
    return (await request('POST', path, { body: file, contentType, query })).json() as Promise<T>;
  },
  /** Downloads with the session key (a plain link would not carry it). */
  async download(path: string, fallbackName: string, query?: Query): Promise<void> {
    const res = await request('GET', path, { query });
    const cd = res.headers.get('content-disposition') ?? '';
    const m = /filename\*=UTF-8''([^;]+)/.exec(cd);
    const name = m ? decodeURIComponent(m[1]) : fallbackName;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};

/** The content type the import routes expect for a file name. */
export function uploadType(name: string): string {
  if (/\.xlsx$/i.test(name)) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  if (/\.csv$/i.test(name)) return 'text/csv';
  if (/\.(jsonl|ndjson)$/i.test(name)) return 'application/x-ndjson';
  if (/\.ya?ml$/i.test(name)) return 'application/yaml';
  if (/\.json$/i.test(name)) return 'application/json';
  if (/\.pdf$/i.test(name)) return 'application/pdf';
  if (/\.png$/i.test(name)) return 'image/png';
  if (/\.jpe?g$/i.test(name)) return 'image/jpeg';
  return 'application/octet-stream';
}
