import { closeSync, openSync, readSync } from 'node:fs';
import {
  compilePack, evaluatePatient, normaliseImportEncounter, toResultRow, type CatalogueEntry, type CompiledPack, type Encounter, type FieldIssue,
  type Patient, type PatientEncounter, type Stage,
} from '@fundguard/core';
import { catalogueLookup } from '@fundguard/service/packs-io.ts';
import { classifyLine, decodeLine } from '@fundguard/service/imports/lines.ts';

/** What every shard needs (plain data: it crosses into worker threads as workerData). */
export interface ShardSetup {
  /** the encounters file and its name as messages show it */
  path: string;
  name: string;
  /** packs as read from their files; compiled in each shard exactly as the command compiled them */
  packs: unknown[];
  catalogue: CatalogueEntry[] | undefined;
  stage: Stage;
  /** bytes of encounter JSON this shard keeps parsed in memory; encounters beyond it are read again from the file */
  budget: number;
}

/** A run of whole lines of the file: `firstLine` is the 1-based number of its first line, `start` its byte offset. */
export interface ChunkTask {
  id: number;
  firstLine: number;
  start: number;
  bytes: Uint8Array;
}

export interface ChunkResult {
  id: number;
  /** the first line of each kind in the chunk (0: none): the coordinator checks the file's encoding in line order */
  firstUtf8: number;
  firstGbk: number;
  firstInvalid: number;
  /** the chunk's first 100 issues, in line order, and how many there were */
  errors: FieldIssue[];
  errorCount: number;
  /** per valid encounter, in line order: patient id, byte offset and length of its line */
  pids: string[];
  starts: number[];
  lens: number[];
}

/** Where an encounter is: the shard that parsed it (and may hold it), its chunk and place there, its bytes in the file. */
export type EncounterRef = [shard: number, chunk: number, index: number, start: number, len: number];

/** The patients whose first encounter is in one chunk, in order of first appearance: the unit of evaluation and output. */
export interface BatchTask {
  id: number;
  patients: EncounterRef[][];
}

export interface BatchResult {
  id: number;
  /** the findings of the batch's patients as JSON lines, in order */
  text: string;
  encounters: number;
}

const ERRORS_PER_CHUNK = 100;

/**
 * One share of a `fundguard audit` run: parses chunks of lines once (decode, JSON, normalise) and keeps the normalised
 * encounters while they fit its memory budget, then evaluates batches of patients and renders their findings. The
 * same code runs in the main thread (one shard, or shard 0 beside workers) and in each worker thread, so that the
 * output does not depend on how many threads there are.
 */
export class AuditShard {
  private readonly packs: CompiledPack[];
  private readonly lookup: ReturnType<typeof catalogueLookup> | undefined;
  /** chunk id → its encounters (null: not kept, or already evaluated) */
  private readonly held = new Map<number, (PatientEncounter | null)[]>();
  private kept = 0;
  private fd: number | null = null;

  constructor(private readonly setup: ShardSetup, readonly index: number, compiled?: CompiledPack[]) {
    // The command compiled (and reported on) the packs already; a worker compiles the same data the same way.
    this.packs = compiled ?? setup.packs.map((p) => compilePack(p, { catalogue: setup.catalogue, unknownGroups: setup.catalogue ? 'error' : 'warn', warnings: [] }));
    this.lookup = setup.catalogue ? catalogueLookup(setup.catalogue) : undefined;
  }

  parse(task: ChunkTask): ChunkResult {
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    const { name } = this.setup;
    const r: ChunkResult = { id: task.id, firstUtf8: 0, firstGbk: 0, firstInvalid: 0, errors: [], errorCount: 0, pids: [], starts: [], lens: [] };
    const held: (PatientEncounter | null)[] = [];
    const issue = (i: FieldIssue) => {
      r.errorCount++;
      if (r.errors.length < ERRORS_PER_CHUNK) r.errors.push(i);
    };
    let line = task.firstLine;
    let pos = 0;
    while (pos < bytes.length) {
      let nl = bytes.indexOf(0x0a, pos);
      if (nl === -1) nl = bytes.length;
      const lineStart = pos;
      const lineLen = nl - pos;
      let buf = bytes.subarray(pos, nl);
      pos = nl + 1;
      const lineNo = line++;
      if (lineNo === 1 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
      const kind = classifyLine(buf);
      if (kind === 'invalid') {
        if (!r.firstInvalid) r.firstInvalid = lineNo;
        continue;
      }
      if (kind === 'utf-8' && !r.firstUtf8) r.firstUtf8 = lineNo;
      if (kind === 'gbk' && !r.firstGbk) r.firstGbk = lineNo;
      const text = decodeLine(buf, kind);
      if (!text.trim()) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        issue({ file: name, line: lineNo, field: '(line)', reason: `not valid JSON (${(e as Error).message})` });
        continue;
      }
      const n = normaliseImportEncounter(raw, { file: name, line: lineNo });
      for (const i of n.errors) issue(i);
      if (!n.value || r.errorCount) continue; // after the first error nothing is audited: keep nothing more
      r.pids.push(n.value.patient.patn_id);
      r.starts.push(task.start + lineStart);
      r.lens.push(lineLen);
      if (this.kept + lineLen <= this.setup.budget) {
        this.kept += lineLen;
        held.push(n.value);
      } else held.push(null);
    }
    this.held.set(task.id, held);
    return r;
  }

  /** Evaluates each patient (its encounters in file order) and renders the findings as the command prints them. */
  evaluate(task: BatchTask): BatchResult {
    const { stage, name } = this.setup;
    let text = '';
    let encounters = 0;
    for (const refs of task.patients) {
      let patient: Patient | null = null;
      const list: Encounter[] = [];
      for (const ref of refs) {
        const pe = this.take(ref);
        patient ??= pe.patient;
        list.push(pe.encounter);
      }
      encounters += refs.length;
      for (const f of evaluatePatient(this.packs, { patient: patient!, encounters: list }, { stage, catalogue: this.lookup })) text += JSON.stringify(toResultRow(f, { salt: name })) + '\n';
    }
    return { id: task.id, text, encounters };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.held.clear();
  }

  /** The encounter from memory (released once taken: each belongs to one patient), else parsed again from its line. */
  private take([shard, chunk, index, start, len]: EncounterRef): PatientEncounter {
    if (shard === this.index) {
      const held = this.held.get(chunk);
      const pe = held?.[index];
      if (pe) {
        held![index] = null;
        return pe;
      }
    }
    this.fd ??= openSync(this.setup.path, 'r');
    let buf = Buffer.allocUnsafe(len);
    readSync(this.fd, buf, 0, len, start);
    if (start === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    // The first pass validated this line (encoding and content): it decodes and normalises without issues.
    const kind = classifyLine(buf);
    return normaliseImportEncounter(JSON.parse(decodeLine(buf, kind === 'invalid' ? 'utf-8' : kind))).value!;
  }
}
