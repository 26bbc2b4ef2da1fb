import type { Command } from 'commander';
import { register as serve } from './serve.ts';
import { register as importCmd } from './import.ts';
import { register as verify } from './verify.ts';
import { register as keys } from './keys.ts';
import { register as audit } from './audit.ts';
import { register as rules } from './rules.ts';
import { register as generate } from './generate.ts';
import { register as reports } from './reports.ts';
import { register as settle } from './settle.ts';
import { register as auditRun } from './audit-run.ts';
import { register as policies } from './policies.ts';
import { register as screen } from './screen.ts';
import { register as worker } from './worker.ts';

/** Each command file exports `register(program)`; add one line here per command (see README.md beside this file). */
export type Registrar = (program: Command) => void;

export const registrars: Registrar[] = [
  serve,
  importCmd,
  verify,
  keys,
  audit,
  rules,
  generate,
  reports,
  settle,
  auditRun,
  policies,
  screen,
  worker,
];
