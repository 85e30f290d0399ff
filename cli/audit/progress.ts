/**
 * `[######........] 3/10 executions · 12,000 events` on one line of stderr, redrawn in place
 * while histories are read; silent unless the stream is a terminal or `--progress` asks for it.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private last = '';
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly enabled: boolean,
    private readonly width = 30,
  ) {}

  static for(stream: ProgressStream, forced: boolean): Progress {
    return new Progress(stream, forced || stream.isTTY === true);
  }

  update(done: number, total: number, events: number): void {
    if (!this.enabled) return;
    const filled = total === 0 ? this.width : Math.min(this.width, Math.floor((done / total) * this.width));
    const line = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${done}/${total} executions · ${events.toLocaleString('en-US')} events`;
    if (line === this.last) return;
    this.last = line;
    this.drawn = true;
    this.stream.write(`\r${line}`);
  }

  finish(): void {
    if (this.enabled && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
