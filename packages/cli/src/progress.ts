import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

// Loaded only when a bar is shown (stderr a terminal): piped runs and `--help` never load it.
const require = createRequire(import.meta.url);

export interface Progress {
  /** `done` of `total` (total may be unknown: 0) */
  update(done: number, total?: number): void;
  stop(): void;
}

/** A progress bar on stderr, only when stderr is a terminal: piped output and CI logs stay clean. */
export function progressBar(label: string, total = 0): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const cliProgress = require('cli-progress') as typeof CliProgress;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(done, t) {
      if (t !== undefined && t !== bar.getTotal()) bar.setTotal(t);
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}
