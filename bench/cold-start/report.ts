/**
 * The cold-start tables: per case the median of the runs' totals (and every run), then the median
 * of each step. Medians of the steps need not add up to the median total.
 */
import type { Sample } from './cold-process.js';

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const STEPS: [keyof Sample, string][] = [
  ['nodeStartup', 'node up'],
  ['handlerImport', 'import'],
  ['listen', 'listen'],
  ['request', 'request'],
  ['beforeDb', '→db socket'],
  ['tcpConnect', 'tcp'],
  ['dbWork', 'db work'],
  ['roundTrips', 'db trips'],
];

const ms = (value: number): string => String(Math.round(value));

function stepMedian(samples: Sample[], step: keyof Sample): string {
  const values = samples.map((s) => s[step]).filter((v): v is number => v !== undefined);
  return values.length === samples.length ? ms(median(values)) : '-';
}

export function table(title: string, rows: { label: string; samples: Sample[] }[]): string {
  const labelWidth = Math.max(...rows.map((r) => r.label.length), 4);
  const head = ['case'.padEnd(labelWidth), 'median', ...STEPS.map(([, name]) => name.padStart(10)), '  runs'];
  const lines = rows.map(({ label, samples }) =>
    [
      label.padEnd(labelWidth),
      ms(median(samples.map((s) => s.total))).padStart(6),
      ...STEPS.map(([step]) => stepMedian(samples, step).padStart(10)),
      `  ${samples.map((s) => ms(s.total)).join(', ')}`,
    ].join(' '),
  );
  return [title, head.join(' '), ...lines].join('\n');
}

/** The dev-launcher figures: total and "launcher listening", medians and runs. */
export function devLauncherTable(title: string, rows: { label: string; totals: number[]; up: number[] }[]): string {
  const labelWidth = Math.max(...rows.map((r) => r.label.length), 4);
  const lines = rows.map(
    ({ label, totals, up }) =>
      `${label.padEnd(labelWidth)} median ${ms(median(totals)).padStart(5)}, launcher listening ${ms(median(up)).padStart(5)}  runs ${totals.map(ms).join(', ')}`,
  );
  return [title, ...lines].join('\n');
}
