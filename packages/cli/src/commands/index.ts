import type { Command } from 'commander';

/** Each command file exports `register(program)`; add one line here per command (see README.md beside this file). */
export type Registrar = (program: Command) => void;

export const registrars: Registrar[] = [];
