// Progress of long work on stderr: a bar with an ETA on a terminal (redrawn in place), plain lines at most every
// `interval` seconds when stderr is a file or a pipe (logs, CI), nothing with --quiet.

export interface ProgressReporter {
  /** `done` of `total` units; `extra`: a few words after the count (loss, images/s). */
  update(done: number, total: number, extra?: string): void;
  /** A line of its own (an epoch's summary): ends the bar first. */
  line(text: string): void;
  end(): void;
}

const fmtTime = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
      : `${s.toFixed(0)}s`;

export function progressReporter(
  label: string,
  opts: { quiet?: boolean; tty?: boolean; interval?: number; stream?: NodeJS.WriteStream } = {},
): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? !!stream.isTTY;
  const interval = (opts.interval ?? 10) * 1000;
  const t0 = performance.now();
  let last = -Infinity;
  let onBar = false;
  const endBar = () => {
    if (onBar) stream.write('\n');
    onBar = false;
  };
  return {
    update(done, total, extra = '') {
      if (opts.quiet) return;
      const now = performance.now();
      const elapsed = (now - t0) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
      const pct = total > 0 ? (100 * done) / total : 0;
      const tail = `${done}/${total} (${pct.toFixed(0)}%)${extra ? `  ${extra}` : ''}  elapsed ${fmtTime(elapsed)}${Number.isFinite(eta) && done < total ? `  ETA ${fmtTime(eta)}` : ''}`;
      if (tty) {
        if (now - last < 100 && done < total) return; // redraw at most 10 times a second
        const width = 24;
        const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${tail} `);
        onBar = true;
      } else {
        if (now - last < interval && done < total) return;
        stream.write(`${label}: ${tail}\n`);
      }
      last = now;
    },
    line(text) {
      if (opts.quiet) return;
      endBar();
      stream.write(`${text}\n`);
    },
    end() {
      endBar();
    },
  };
}
