import { FundGuardError, formatIssue, isFundGuardError } from '@fundguard/core';

/** Exit codes of interfaces.md: 2 bad input, 1 internal error. */
export class CliInputError extends Error {}

export function reportAndExit(e: unknown): never {
  if (isFundGuardError(e) && e.code !== 'E_INTERNAL') {
    process.stderr.write(`error [${e.code}]: ${e.message}\n`);
    for (const i of e.issues) process.stderr.write(`  ${formatIssue(i)}\n`);
    if (e.total > e.issues.length) process.stderr.write(`  … and ${e.total - e.issues.length} more (${e.total} in total)\n`);
    process.exit(2);
  }
  if (e instanceof CliInputError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}

export { FundGuardError };
