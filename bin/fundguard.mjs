#!/usr/bin/env node
// Runs the compiled CLI (packages/cli/dist, see scripts/build-server.mjs): no TypeScript is compiled when a command
// starts. When the build is missing or older than the sources it is built first (about a second), saying so on
// stderr. FUNDGUARD_NO_BUILD=1 skips the check (an installation whose sources never change).
import { pathToFileURL } from 'node:url';
import { serverMain, serverStaleReason, buildServer } from '../scripts/build-server.mjs';

let main = serverMain();
const reason = process.env.FUNDGUARD_NO_BUILD === '1' && main ? null : serverStaleReason();
if (reason) {
  process.stderr.write(`fundguard: building the CLI and server (${reason}) …\n`);
  main = (await buildServer()).main;
}
await import(pathToFileURL(main).href);
