/**
 * Why this process is not ready yet, for /readyz and the console's banner: the server listens from its first second
 * and answers /healthz at once, and /readyz 503 with the reason (opening the database, migrating, loading demo data
 * with its progress) until it is ready. One per process; an app mounted by tests never sets it, so it reads ready.
 */
export interface ReadinessState {
  /** null when ready */
  reason: string | null;
  /** what is being loaded in the background while the API already serves (demo data): percent done */
  progress?: number;
  /** phase the process is in, for the log and the response */
  phase: 'starting' | 'opening database' | 'loading demo data' | 'ready';
}

let state: ReadinessState = { reason: null, phase: 'ready' };
const startedAt = Date.now();

export const readiness = {
  get(): ReadinessState {
    return state;
  },
  set(next: ReadinessState): void {
    state = next;
  },
  notReady(phase: Exclude<ReadinessState['phase'], 'ready'>, reason: string, progress?: number): void {
    state = { phase, reason, ...(progress === undefined ? {} : { progress }) };
  },
  ready(): void {
    state = { reason: null, phase: 'ready' };
  },
  /** the body of a 503 from /readyz */
  body(): Record<string, unknown> {
    return { status: 'not ready', phase: state.phase, reason: state.reason, ...(state.progress === undefined ? {} : { progress: state.progress }), uptime_ms: Date.now() - startedAt };
  },
};
