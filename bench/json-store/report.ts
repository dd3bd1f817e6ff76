/**
 * The JSON-store benchmark's report: median and p99 per store size and scenario, then the
 * ratios of each larger store to the 100-conversation one against issue 13's targets (≤ 1.5× for
 * keyed append, list after a write and search; search's median ≤ 100 ms).
 */
import { loadavg } from 'node:os';
import { recordTarget } from '../summary.js';

export interface Measured {
  store: string;
  scenario: string;
  /** Sorted ascending. */
  ms: number[];
}

const TARGETED = new Set(['append + Idempotency-Key', 'list after a write', 'search', 'search, broad']);
export const RATIO_TARGET = 1.5;
export const SEARCH_TARGET_MS = 100;

const pct = (ms: number[], p: number): number =>
  ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)] ?? NaN;
const f = (n: number): string => n.toFixed(n < 10 ? 2 : 1);

export function report(results: Measured[], rounds: number): string {
  const lines = [
    `JSON store, ${rounds} samples per cell, load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
    '',
  ];
  lines.push('| store | scenario | median ms | p99 ms |', '| --- | --- | --- | --- |');
  for (const r of results) lines.push(`| ${r.store} | ${r.scenario} | ${f(pct(r.ms, 50))} | ${f(pct(r.ms, 99))} |`);
  lines.push('', '| store | scenario | median ratio to 100 | target | met |', '| --- | --- | --- | --- | --- |');
  let met = true;
  for (const r of results) {
    if (r.store === '100') continue;
    const base = results.find((b) => b.store === '100' && b.scenario === r.scenario);
    if (!base) continue;
    const ratio = pct(r.ms, 50) / pct(base.ms, 50);
    const targeted = TARGETED.has(r.scenario);
    const ok = !targeted || ratio <= RATIO_TARGET;
    met &&= ok;
    if (targeted) {
      const name = `${r.scenario} at ${r.store} vs 100 (median ratio)`;
      recordTarget({
        section: 'json-store',
        name,
        measured: `${ratio.toFixed(2)}×`,
        target: `≤ ${RATIO_TARGET}×`,
        met: ok,
      });
    }
    lines.push(
      `| ${r.store} | ${r.scenario} | ${ratio.toFixed(2)} | ${targeted ? `≤ ${RATIO_TARGET}` : '—'} | ${targeted ? (ok ? 'yes' : 'NO') : ''} |`,
    );
  }
  for (const r of results.filter((x) => x.scenario.startsWith('search'))) {
    const ok = pct(r.ms, 50) <= SEARCH_TARGET_MS;
    met &&= ok;
    const measured = `${f(pct(r.ms, 50))} ms`;
    recordTarget({
      section: 'json-store',
      name: `${r.scenario} at ${r.store} median`,
      measured,
      target: `≤ ${SEARCH_TARGET_MS} ms`,
      met: ok,
    });
    lines.push(
      `${r.scenario} at ${r.store}: median ${f(pct(r.ms, 50))} ms (target ≤ ${SEARCH_TARGET_MS} ms): ${ok ? 'met' : 'NOT met'}`,
    );
  }
  lines.push(`targets: ${met ? 'all met' : 'not all met'}`, '');
  return lines.join('\n');
}
