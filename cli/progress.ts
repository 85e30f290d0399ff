/**
 * A progress bar on stderr, shared by the commands that wait (`audit` reading histories,
 * `onboard` and `sweep` following executions): `[######........] 3/10 executions · 12,000 events`,
 * or `onboarding [##############] 1/1 accounts`.
 *
 * On a terminal the line is redrawn in place (a carriage return before each redraw). Piped into
 * a file or a CI log, a carriage return does not go back over the line, so everything would pile
 * up on one line that ends only at the finish: there each change of the done count is written as
 * a line of its own, and the events count (which changes on every page read) does not start a
 * new line by itself.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** What is counted, after `done/total`. @default 'executions' */
  noun?: string;
  /** A word before the bar, such as `onboarding`. @default - none */
  label?: string;
  /** @default 30 */
  width?: number;
}

export class Progress {
  private last = '';
  private lastDone = -1;
  private pending = '';
  private drawn = false;
  private readonly inPlace: boolean;
  private readonly width: number;
  private readonly noun: string;
  private readonly label: string;

  constructor(
    private readonly stream: ProgressStream,
    private readonly enabled: boolean,
    options: ProgressOptions = {},
  ) {
    this.inPlace = stream.isTTY === true;
    this.width = options.width ?? 30;
    this.noun = options.noun ?? 'executions';
    this.label = options.label ? `${options.label} ` : '';
  }

  /** Shown on a terminal, and when piped only if `forced` (`--progress`). */
  static for(stream: ProgressStream, forced: boolean, options: ProgressOptions = {}): Progress {
    return new Progress(stream, forced || stream.isTTY === true, options);
  }

  /** `events` is shown after the count when given (the audit counts history events read). */
  update(done: number, total: number, events?: number): void {
    if (!this.enabled) return;
    const filled = total === 0 ? this.width : Math.min(this.width, Math.floor((done / total) * this.width));
    const detail = events === undefined ? '' : ` · ${events.toLocaleString('en-US')} events`;
    const line = `${this.label}[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${done}/${total} ${this.noun}${detail}`;
    if (line === this.last) return;
    this.last = line;
    if (this.inPlace) {
      this.drawn = true;
      this.stream.write(`\r${line}`);
      return;
    }
    if (done === this.lastDone) {
      // Only the events count moved: keep the line for the finish, so the total is shown.
      this.pending = line;
      return;
    }
    this.lastDone = done;
    this.pending = '';
    this.stream.write(`${line}\n`);
  }

  finish(): void {
    if (this.enabled && this.inPlace && this.drawn) this.stream.write('\n');
    if (this.enabled && !this.inPlace && this.pending) this.stream.write(`${this.pending}\n`);
    this.drawn = false;
    this.pending = '';
  }
}
