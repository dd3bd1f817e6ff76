/**
 * npm run bench:speedups -- [--messages 200000] [--rounds 2]
 *
 * Measures what each of the data tools' own speed-ups buys over the plain alternative, on the
 * same generated store, back to back in one process, `--rounds` times (alternating which goes
 * first): the 64-bit row hash (checksum.ts) against md5 from node:crypto, and the conversation
 * pre-check (fast-check.ts) against zod alone, in time and memory (the npm script runs node with
 * --expose-gc, which the memory figures need). No database is needed. The figures are in
 * docs/decisions/0009 and 0010; `npm run bench:import` measures the whole import.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intFlag, parseCli } from '../../lib/cli-args.js';
import { TABLES, canonicalFromSource } from '../../lib/data-transfer/canonical-row.js';
import { addRow, emptyChecksum, type TableChecksum } from '../../lib/data-transfer/checksum.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import { FILES, type ConversationFile } from '../../lib/data-transfer/format.js';
import { quickConversation } from '../../lib/data-transfer/fast-check.js';
import { conversationFileSchema } from '../../lib/data-transfer/format.js';
import { listConversationFiles } from '../../lib/data-transfer/source-dir.js';
import { conversationRows } from '../../lib/data-transfer/conversation-rows.js';
import { generateStore } from './generate-store.js';

const USAGE = 'usage: npm run bench:speedups -- [--messages 200000] [--rounds 2]';

/** The md5 alternative: the first 8 bytes of the digest as two lanes, summed as checksum.ts does. */
function addRowMd5(acc: TableChecksum, canonical: string): void {
  const d = createHash('md5').update(canonical).digest();
  acc.count += 1;
  acc.hi = (acc.hi + d.readUInt32BE(0)) >>> 0;
  acc.lo = (acc.lo + d.readUInt32BE(4)) >>> 0;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Holds the last result, so its memory is still reachable when the heap is measured. */
const kept: unknown[] = [];

const memory = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Milliseconds `work` takes, and the memory (JS heap and array buffers) its result keeps reachable. */
function measure(work: () => unknown): { ms: number; heapMb: number } {
  kept.length = 0;
  gc();
  const before = memory();
  const started = performance.now();
  kept.push(work());
  const ms = performance.now() - started;
  gc();
  return { ms, heapMb: (memory() - before) / 2 ** 20 };
}

interface Comparison {
  name: string;
  ours: () => unknown;
  plain: () => unknown;
}

function compare(c: Comparison, rounds: number): string[] {
  const lines: string[] = [];
  // One unreported run of each first, so neither side is timed while V8 is still compiling it.
  measure(c.ours);
  measure(c.plain);
  for (let r = 0; r < rounds; r++) {
    const order: Array<['ours' | 'plain', () => unknown]> =
      r % 2 === 0
        ? [
            ['ours', c.ours],
            ['plain', c.plain],
          ]
        : [
            ['plain', c.plain],
            ['ours', c.ours],
          ];
    const out: Record<string, { ms: number; heapMb: number }> = {};
    for (const [label, work] of order) out[label] = measure(work);
    kept.length = 0;
    const fmt = (m: { ms: number; heapMb: number }): string =>
      `${m.ms.toFixed(0)} ms, memory +${m.heapMb.toFixed(1)} MB`;
    lines.push(`${c.name} round ${r + 1}: ours ${fmt(out.ours!)}; plain ${fmt(out.plain!)}`);
  }
  return lines;
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), { messages: { type: 'string' }, rounds: { type: 'string' } }, USAGE);
  if (args.values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  const messages = intFlag(args.values.messages, 'messages', 200_000);
  const rounds = intFlag(args.values.rounds, 'rounds', 2);
  const work = await mkdtemp(join(tmpdir(), 'threadbase-speedups-'));
  try {
    const dir = join(work, 'store');
    await generateStore({ dir, messages });
    const convs: ConversationFile[] = [];
    for (const name of await listConversationFiles(dir)) {
      convs.push(JSON.parse(await readFile(join(dir, FILES.conversations, name), 'utf8')) as ConversationFile);
    }
    const canonical: string[] = [];
    for (const conv of convs) {
      const rows = conversationRows(conv);
      canonical.push(canonicalFromSource(TABLES.conversations, rows.conversation));
      for (const m of rows.messages) canonical.push(canonicalFromSource(TABLES.messages, m));
    }
    const hash = (add: (acc: TableChecksum, row: string) => void) => (): TableChecksum => {
      const acc = emptyChecksum();
      for (const row of canonical) add(acc, row);
      return acc;
    };
    const lines = [
      `store: ${messages.toLocaleString('en-US')} messages, ${canonical.length.toLocaleString('en-US')} conversation and message rows`,
      ...compare(
        { name: 'row hash (ours: cyrb53-style 64-bit; plain: md5)', ours: hash(addRow), plain: hash(addRowMd5) },
        rounds,
      ),
      ...compare(
        {
          name: 'validation (ours: pre-check, zod on failure; plain: zod)',
          ours: () => convs.map((c) => quickConversation(c) ?? conversationFileSchema.safeParse(c)).length,
          plain: () => convs.map((c) => conversationFileSchema.safeParse(c)).length,
        },
        rounds,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

runScript(main);
