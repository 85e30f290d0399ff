import { once } from 'node:events';

/**
 * Collects output lines and writes them in large chunks, waiting when the stream asks to (a slow
 * pipe), so that replaying 100,000 findings neither makes 100,000 writes nor buffers them all.
 */
export interface OutputStream {
  write(text: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

const CHUNK_CHARS = 256 * 1024;

export class BufferedOutput {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly stream: OutputStream) {}

  /** Queues a line; returns a promise when the caller should wait before producing more. */
  line(text: string): void | Promise<void> {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= CHUNK_CHARS) return this.flush();
  }

  flush(): void | Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk) && this.stream.once) {
      return once(this.stream as unknown as NodeJS.EventEmitter, 'drain').then(() => undefined);
    }
  }
}
