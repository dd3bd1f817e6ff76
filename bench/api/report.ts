/**
 * The benchmark's output: one table per scenario and concurrency (req/s, p50, p99, server CPU per
 * request, and the ratios to the hand-written server), and per scenario a line saying which of the
 * issue's targets (rate, CPU per request, p99) Threadbase meets.
 */
import { recordTarget, type TargetRecord } from '../summary.js';

export interface Cell {
  target: string;
  rps: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Server CPU milliseconds per request; undefined where not measured (pgbench). */
  cpuMs?: number;
  errors?: number;
  note?: string;
}

/** The targets (issue 13): ≥ 0.8 × the baseline's rate, ≤ 1.3 × its CPU per request and its p99. */
export const TARGETS = { rpsRatio: 0.8, cpuRatio: 1.3, p99Ratio: 1.3 };
export const BASELINE = 'hand-written';
export const THREADBASE = 'threadbase (prod)';
export const VERCEL = 'threadbase (vercel fn)';

const fmt = (v: number | undefined, digits: number): string =>
  v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? '—' : (a / b).toFixed(2);

export function table(title: string, cells: Cell[]): string {
  const base = cells.find((c) => c.target === BASELINE);
  const head = ['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms/req', '× req/s', '× CPU', '× p99'];
  const rows = cells.map((c) => [
    c.target,
    fmt(c.rps, 0),
    fmt(c.p50Ms, 2),
    fmt(c.p99Ms, 2),
    fmt(c.cpuMs, 3),
    ratio(c.rps, base?.rps),
    ratio(c.cpuMs, base?.cpuMs),
    ratio(c.p99Ms, base?.p99Ms),
    [c.errors ? `${c.errors} errors` : '', c.note ?? ''].filter(Boolean).join('; '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : i < head.length ? v.padStart(widths[i]!) : v))
      .join('  ')
      .trimEnd();
  return [`== ${title}`, line(head), ...rows.map(line)].join('\n');
}

/** A ratio to the hand-written server against its target, for `npm run bench`'s summary. */
function ratioTarget(name: string, ratio: number, sense: '≥' | '≤', limit: number): TargetRecord {
  const met = sense === '≥' ? ratio >= limit : ratio <= limit;
  return { section: 'api', name, measured: `${ratio.toFixed(2)}×`, target: `${sense} ${limit}×`, met };
}

/** "targets met" line of a scenario over its concurrencies; each target is also recorded for `npm run bench`'s summary. */
export function verdict(scenario: string, byConcurrency: Map<number, Cell[]>): string {
  const parts: string[] = [];
  for (const [c, cells] of byConcurrency) {
    const base = cells.find((x) => x.target === BASELINE);
    for (const tb of cells.filter((x) => x.target === THREADBASE || x.target === VERCEL)) {
      if (!base || !base.cpuMs || !tb.cpuMs || !base.p99Ms || tb.p99Ms === undefined) continue;
      const r = tb.rps / base.rps;
      const cpu = tb.cpuMs / base.cpuMs;
      const p99 = tb.p99Ms / base.p99Ms;
      const ok = (b: boolean): string => (b ? 'met' : 'NOT met');
      const name = `${scenario}, ${tb.target} c=${c}`;
      recordTarget(ratioTarget(`${name} req/s`, r, '≥', TARGETS.rpsRatio));
      recordTarget(ratioTarget(`${name} CPU/request`, cpu, '≤', TARGETS.cpuRatio));
      recordTarget(ratioTarget(`${name} p99`, p99, '≤', TARGETS.p99Ratio));
      parts.push(
        `${tb.target} c=${c}: req/s ${r.toFixed(2)}× (≥ ${TARGETS.rpsRatio}: ${ok(r >= TARGETS.rpsRatio)}), ` +
          `CPU ${cpu.toFixed(2)}× (≤ ${TARGETS.cpuRatio}: ${ok(cpu <= TARGETS.cpuRatio)}), ` +
          `p99 ${p99.toFixed(2)}× (≤ ${TARGETS.p99Ratio}: ${ok(p99 <= TARGETS.p99Ratio)})`,
      );
    }
  }
  return `targets, ${scenario}:\n  ${parts.join('\n  ') || 'not measured'}`;
}
