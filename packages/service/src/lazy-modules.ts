import { createRequire } from 'node:module';
import type ExcelJS from 'exceljs';
import type PDFDocument from 'pdfkit';
import type * as IconvLite from 'iconv-lite';
import type * as Yaml from 'yaml';

/**
 * Packages loaded on first use rather than when the service loads, so that a process loads only what it uses:
 * exceljs alone takes longer to load than the rest of the server, and most processes (a worker, `fundguard audit`,
 * a server that never exports) never need it; `fundguard audit` with JSON packs and UTF-8 input needs neither yaml
 * nor iconv-lite. The synchronous ones are CommonJS packages, loaded with require.
 */
const require = createRequire(import.meta.url);

export const loadExcel = async (): Promise<typeof ExcelJS> => ((await import('exceljs')) as { default: typeof ExcelJS }).default;
export const loadPdfkit = async (): Promise<typeof PDFDocument> => ((await import('pdfkit')) as { default: typeof PDFDocument }).default;

let iconv: typeof IconvLite | undefined;
export const iconvLite = (): typeof IconvLite => (iconv ??= require('iconv-lite') as typeof IconvLite);

let yaml: typeof Yaml | undefined;
export const yamlParser = (): typeof Yaml => (yaml ??= require('yaml') as typeof Yaml);
