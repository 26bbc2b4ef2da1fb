import { FundGuardError, type FieldIssue } from '@fundguard/core';

/** Calls the running server's management API with the local key; API errors become the same errors as locally. */
export async function callServer<T>(target: { url: string; key: string }, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const res = await fetch(`${target.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${target.key}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as T & { error?: { code: string; message: string; issues?: FieldIssue[]; total?: number } };
  if (!res.ok) {
    const e = json.error!;
    throw new FundGuardError(e.code as FundGuardError['code'], e.message, e.issues ?? [], e.total);
  }
  return json;
}
