import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Which process executes a run. Several API processes share one database (a cluster on one host, or hosts behind a
 * balancer); a run started in one of them is executed there, and only a run whose executor is gone may be taken
 * over — resumed (batch) or failed (screening) — by another. Without this, a restarted process would resume runs
 * that a live process is still executing.
 */
export interface RunLease {
  executor: string | null;
  heartbeat_at: string | null;
}

/** After this long without progress a run on another host counts as abandoned (chunks take seconds). */
export const RUN_LEASE_MS = Number(process.env.FUNDGUARD_RUN_LEASE_MS ?? 120_000);

/**
 * What makes "the same host" for pid checks: the host name alone is not enough (cloned VMs, containers on the host
 * network share it), so the kernel's boot id and this process's pid namespace are part of it where Linux has them.
 */
function readOr(read: () => string): string {
  try {
    return read().replace(/[^0-9a-f]/gi, '').slice(0, 12);
  } catch {
    return '';
  }
}
export const THIS_HOST = [hostname().replace(/\//g, '_'), readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')), readOr(() => readlinkSync('/proc/self/ns/pid'))].join(':');

/** host/pid/instance: the instance tells two FundGuard objects of one process apart (tests; a closed one is gone). */
export function newExecutorId(): string {
  return `${THIS_HOST}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/** Whether a process of this host is alive (EPERM: alive, owned by another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a run's executor is gone: nobody recorded; on this host, its process has exited (known at once) or is
 * another FundGuard instance of this process; elsewhere (or a reused pid), no progress for `leaseMs`.
 */
export function executorGone(lease: RunLease, self: string, nowMs: number, leaseMs = RUN_LEASE_MS): boolean {
  if (!lease.executor) return true;
  if (lease.executor === self) return false;
  const [host, pid] = lease.executor.split('/');
  if (host === THIS_HOST && (Number(pid) === process.pid || !pidAlive(Number(pid)))) return true;
  return lease.heartbeat_at === null || nowMs - Date.parse(lease.heartbeat_at) > leaseMs;
}
