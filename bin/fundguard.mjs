#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so that `npx fundguard` needs no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
register();
const here = dirname(fileURLToPath(import.meta.url));
await import(pathToFileURL(join(here, '..', 'packages', 'cli', 'src', 'main.ts')).href);
