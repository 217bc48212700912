import cliProgress from 'cli-progress';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  update(done: number, total: number, detail?: string): void;
  /** Ends the bar (TTY) and prints the summary line on stderr. */
  finish(summary: string): void;
  /** Ends the bar without a summary (on errors). */
  abort(): void;
}

/**
 * A progress bar on stderr, only when stderr is a terminal; otherwise silent until the final
 * summary line. Never on stdout: stdout may be carrying an export.
 */
export function progress(stderr: Output, label: string): Progress {
  if (!stderr.isTTY) {
    return { update() {}, finish: (summary) => void stderr.write(`${summary}\n`), abort() {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {percentage}% | position {value}/{total} | {detail}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, detail = '') {
      const max = Math.max(total, done, 1);
      if (!started) {
        bar.start(max, done, { detail });
        started = true;
      } else {
        bar.setTotal(max);
        bar.update(done, { detail });
      }
    },
    finish(summary) {
      if (started) bar.stop();
      stderr.write(`${summary}\n`);
    },
    abort() {
      if (started) bar.stop();
    },
  };
}
