// Open-loop load at a constant rate: `node constant-rate.mjs <url> <body file or -> <bearer key> <seconds> <connections>
// <rate> [distinct[:first]]`. Request i is due at start + i/rate whatever earlier answers did, and its latency counts from that
// due time (no coordinated omission). autocannon's -R is not this: each connection sends its quota for the second
// as soon as the second begins, so "300 req/s" arrives as a burst of 300 requests every second.
// With `distinct`, request i carries the body's variant first + i (distinct.mjs; first defaults to 0). Prints one JSON object.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { distinctBody } from './distinct.mjs';

const [url, bodyFile, key, seconds, connections, rate, distinct] = process.argv.slice(2);
const firstVariant = distinct ? Number(distinct.split(':')[1] ?? 0) : 0;
const template = bodyFile === '-' ? null : readFileSync(bodyFile, 'utf8');
const u = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const total = Math.round(Number(rate) * Number(seconds));
const interval = 1000 / Number(rate);
const latencies = [];
/** 2xx answers and 503s (load shedding) apart: what an admitted caller waited, and how fast a refusal came */
const admitted = [];
const shedLatencies = [];
/** the slowest answer among the requests due in each second: shows whether slow answers come together (a stall) */
const slowest = [];
let non2xx = 0;
let errors = 0;
let timeouts = 0;
let finished = 0;
let sent = 0;
const start = performance.now();
let lastAnswer = start;

const done = new Promise((resolve) => {
  const finish = () => {
    lastAnswer = performance.now();
    if (++finished === total) resolve();
  };
  const fire = (i, due) => {
    const payload = template === null ? null : distinct ? distinctBody(template, firstVariant + i) : template;
    const headers = { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) };
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: payload ? 'POST' : 'GET', headers, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        const ms = performance.now() - due;
        latencies.push(ms);
        if (res.statusCode < 300) admitted.push(ms);
        else if (res.statusCode === 503) shedLatencies.push(ms);
        const second = Math.floor((due - start) / 1000);
        slowest[second] = Math.max(slowest[second] ?? 0, ms);
        if (res.statusCode >= 300) non2xx++;
        finish();
      });
    });
    req.on('timeout', () => {
      timeouts++;
      req.destroy(new Error('timeout'));
    });
    req.on('error', () => {
      errors++;
      finish();
    });
    req.end(payload ?? undefined);
  };
  const tick = () => {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) {
      fire(sent, start + sent * interval);
      sent++;
    }
    if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
  };
  tick();
});
await done;
agent.destroy();
for (const l of [latencies, admitted, shedLatencies]) l.sort((a, b) => a - b);
const pctOf = (l, p) => (l.length ? Math.round(l[Math.min(l.length - 1, Math.floor(l.length * p))] * 10) / 10 : null);
const pct = (p) => pctOf(latencies, p);
process.stdout.write(JSON.stringify({
  rps: Math.round((latencies.length / (lastAnswer - start)) * 1000), p50_ms: pct(0.5), p95_ms: pct(0.95), p99_ms: pct(0.99), max_ms: pct(1),
  non2xx, errors, timeouts, requests: total,
  admitted: admitted.length, admitted_p50_ms: pctOf(admitted, 0.5), admitted_p99_ms: pctOf(admitted, 0.99), admitted_max_ms: pctOf(admitted, 1),
  shed: shedLatencies.length, shed_share: Math.round((shedLatencies.length / total) * 1000) / 1000, shed_p99_ms: pctOf(shedLatencies, 0.99), slowest_ms_by_second: slowest.map((ms) => Math.round(ms)),
}));
