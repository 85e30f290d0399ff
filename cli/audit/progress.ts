/**
 * `[######........] 3/10 executions · 12,000 events` on stderr while histories are read; silent
 * unless the stream is a terminal or `--progress` asks for it.
 *
 * On a terminal the line is redrawn in place (a carriage return before each redraw). Piped into
 * a file or a CI log, a carriage return does not go back over the line, so everything would pile
 * up on one line that ends only at the finish: there each change of the executions count is
 * written as a line of its own, and the events count (which changes on every page read) does not
 * start a new line by itself.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private last = '';
  private lastDone = -1;
  private pending = '';
  private drawn = false;
  private readonly inPlace: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly enabled: boolean,
    private readonly width = 30,
  ) {
    this.inPlace = stream.isTTY === true;
  }

  static for(stream: ProgressStream, forced: boolean): Progress {
    return new Progress(stream, forced || stream.isTTY === true);
  }

  update(done: number, total: number, events: number): void {
    if (!this.enabled) return;
    const filled = total === 0 ? this.width : Math.min(this.width, Math.floor((done / total) * this.width));
    const line = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${done}/${total} executions · ${events.toLocaleString('en-US')} events`;
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
