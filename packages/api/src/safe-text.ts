/**
 * Text PostgreSQL cannot store: a NUL byte (not allowed in text or jsonb) and a lone UTF-16 surrogate (not valid
 * Unicode; jsonb refuses its escape). Such a value accepted at the edge fails later, in a background write, far from
 * the caller who could fix it (issue 17 item 3), so requests carrying one are refused where they arrive.
 */
// eslint-disable-next-line no-control-regex -- the NUL byte is what this looks for
const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when a string anywhere in `value` (object keys included) holds a NUL byte or a lone surrogate. */
export function hasUnsafeText(value: unknown): boolean {
  return unsafeTextPath(value) !== null;
}

/**
 * The path of the first unsafe string in `value` (`patient_dtos[0].fsi_encounter_dtos[1].medins_id`; `(body)` for
 * the value itself), or null. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function unsafeTextPath(value: unknown, root = ''): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSAFE.test(v)) return path || '(value)';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && typeof (v as { pipe?: unknown }).pipe !== 'function') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, item] = entries[i];
        const at = path ? `${path}.${k}` : k;
        if (UNSAFE.test(k)) return `${path ? `${path}.` : ''}(a key)`;
        stack.push([item, at]);
      }
    }
  }
  return null;
}
