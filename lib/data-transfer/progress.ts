/**
 * Progress for the data scripts, on stderr so stdout stays clean for reports. On a TTY a bar is
 * redrawn in place (at most ten times a second); otherwise each phase prints one line when it
 * starts and one when it ends, which is also what tests and logs watch for.
 */

export interface Progress {
  /** Starts a phase of `total` units (0 when unknown). */
  start(phase: string, total: number, unit: string): void;
  tick(n: number): void;
  done(): void;
}

interface PhaseState {
  phase: string;
  total: number;
  unit: string;
  current: number;
  startedAt: number;
  drawnAt: number;
}

const BAR_WIDTH = 28;
const fmt = (n: number): string => n.toLocaleString('en-US');

function barLine(s: PhaseState): string {
  const ratio = s.total > 0 ? Math.min(1, s.current / s.total) : 0;
  const filled = Math.round(ratio * BAR_WIDTH);
  const seconds = (performance.now() - s.startedAt) / 1000;
  const rate = seconds > 0 ? Math.round(s.current / seconds) : 0;
  const of = s.total > 0 ? ` / ${fmt(s.total)}` : '';
  return `${s.phase.padEnd(20)} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${fmt(s.current)}${of} ${s.unit} (${fmt(rate)}/s)`;
}

/** A progress reporter writing to `stream`; `silent` turns it off entirely. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr, silent = false): Progress {
  const tty = stream.isTTY === true;
  let state: PhaseState | undefined;
  const draw = (force: boolean): void => {
    if (!state || !tty) return;
    const now = performance.now();
    if (!force && now - state.drawnAt < 100) return;
    state.drawnAt = now;
    stream.write(`\r${barLine(state)}\x1b[K`);
  };
  if (silent) return { start: () => undefined, tick: () => undefined, done: () => undefined };
  return {
    start(phase, total, unit) {
      state = { phase, total, unit, current: 0, startedAt: performance.now(), drawnAt: 0 };
      if (tty) draw(true);
      else stream.write(`${phase}: started (${total > 0 ? `${fmt(total)} ` : ''}${unit})\n`);
    },
    tick(n) {
      if (!state) return;
      state.current += n;
      draw(false);
    },
    done() {
      if (!state) return;
      const seconds = ((performance.now() - state.startedAt) / 1000).toFixed(1);
      if (tty) stream.write(`\r${barLine(state)}\x1b[K\n`);
      else stream.write(`${state.phase}: done, ${fmt(state.current)} ${state.unit} in ${seconds}s\n`);
      state = undefined;
    },
  };
}
