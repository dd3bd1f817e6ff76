/**
 * npm run bench -- [--quick] [--only api,cold-start,json-store,import] [--node <path>]
 *
 * Every benchmark of issue 13, one section after another, each in its own process with its own
 * npm script (run one alone with `npm run bench:<section> -- --help`):
 *   api         the API against the hand-written server, bare node:http and pgbench (bench/api)
 *   cold-start  a built function's fresh process to its first database response (bench/cold-start)
 *   json-store  the JSON store at 100 and at 10,000 conversations (bench/json-store)
 *   import      data:import against psql \copy of the same rows (bench/import)
 * `--node` names the node that runs the built functions of the cold-start section (Vercel runs
 * Node 24; CI keeps one in ~/.cache/threadbase-ci/node24); the rest runs on this node.
 * Each section prints its own tables; at the end comes one summary of every target, met or not.
 * A section that fails is reported and the others still run; the exit code is 1 then.
 * Never part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError, parseCli, stringFlag } from '../lib/cli-args.js';
import { runScript } from '../lib/data-transfer/cli.js';
import { SUMMARY_FILE_ENV, parseSummary, type TargetRecord } from './summary.js';

const SECTIONS = {
  api: 'bench/api/run.ts',
  'cold-start': 'bench/cold-start/run.ts',
  'json-store': 'bench/json-store/run.ts',
  import: 'bench/import/run.ts',
} as const;
type Section = keyof typeof SECTIONS;
const USAGE = `usage: npm run bench -- [--quick] [--only ${Object.keys(SECTIONS).join(',')}] [--node <path>]`;

function sectionsOf(only: string): Section[] {
  const names = only.split(',').map((s) => s.trim());
  for (const name of names)
    if (!(name in SECTIONS)) throw new UsageError(`unknown section ${name} in --only\n${USAGE}`);
  return names as Section[];
}

interface Options {
  quick: boolean;
  /** The node for the cold-start section's functions. */
  node: string | undefined;
}

function sectionArgs(section: Section, options: Options): string[] {
  const args = ['--import', 'tsx', SECTIONS[section], ...(options.quick ? ['--quick'] : [])];
  return section === 'cold-start' && options.node !== undefined ? [...args, '--node', options.node] : args;
}

function runSection(section: Section, options: Options, summaryFile: string): Promise<number> {
  const args = sectionArgs(section, options);
  process.stderr.write(`\n##### bench section ${section}: ${args.slice(2).join(' ')}\n`);
  const child = spawn(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, [SUMMARY_FILE_ENV]: summaryFile },
  });
  return new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

function summary(records: TargetRecord[], failed: Section[], seconds: number): string {
  const lines = ['', `===== summary of issue 13's targets (${seconds.toFixed(1)} s in all)`];
  const width = Math.max(0, ...records.map((r) => `${r.section}: ${r.name}`.length));
  for (const r of records)
    lines.push(
      `${`${r.section}: ${r.name}`.padEnd(width)}  ${r.measured.padStart(9)}  ${r.target.padEnd(9)}  ${r.met ? 'met' : 'NOT met'}`,
    );
  const met = records.filter((r) => r.met).length;
  lines.push(`${met} of ${records.length} targets met`);
  for (const section of failed) lines.push(`section ${section} FAILED: its figures are missing above`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const args = parseCli(
    process.argv.slice(2),
    { quick: { type: 'boolean' }, only: { type: 'string' }, node: { type: 'string' } },
    USAGE,
  );
  if (args.values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}\n${USAGE}`);
  const sections = sectionsOf(stringFlag(args.values.only, Object.keys(SECTIONS).join(',')));
  const started = performance.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'threadbase-bench-'));
  const summaryFile = path.join(dir, 'targets.jsonl');
  try {
    const failed: Section[] = [];
    const options: Options = {
      quick: Boolean(args.values.quick),
      node: typeof args.values.node === 'string' ? args.values.node : undefined,
    };
    for (const section of sections) if ((await runSection(section, options, summaryFile)) !== 0) failed.push(section);
    const text = await readFile(summaryFile, 'utf8').catch(() => '');
    process.stdout.write(summary(parseSummary(text), failed, (performance.now() - started) / 1000));
    return failed.length === 0 ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runScript(main);
