import { Progress } from '../../../cli/progress';

/** A stream that records what was written, as a terminal or as a pipe. */
function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

/** Three executions read, the second in two pages, as the audit's reader reports them. */
function readThree(progress: Progress): void {
  progress.update(0, 3, 0);
  progress.update(1, 3, 40);
  progress.update(1, 3, 1040);
  progress.update(1, 3, 2040);
  progress.update(2, 3, 2040);
  progress.update(3, 3, 2100);
  progress.finish();
}

describe('Progress', () => {
  it('redraws one line in place on a terminal', () => {
    // Arrange
    const tty = stream(true);

    // Act
    readThree(Progress.for(tty, false));

    // Assert
    const text = tty.writes.join('');
    expect(text.split('\r').length - 1).toBe(6);
    expect(text.endsWith('3/3 executions · 2,100 events\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('writes plain lines, one per execution read, and no carriage return when piped', () => {
    // Arrange
    const pipe = stream(false);

    // Act
    readThree(Progress.for(pipe, true));

    // Assert
    const text = pipe.writes.join('');
    expect(text).not.toContain('\r');
    expect(text.split('\n').filter(Boolean)).toEqual([
      '[..............................] 0/3 executions · 0 events',
      '[##########....................] 1/3 executions · 40 events',
      '[####################..........] 2/3 executions · 2,040 events',
      '[##############################] 3/3 executions · 2,100 events',
    ]);
    expect(pipe.writes.every((w) => w.endsWith('\n'))).toBe(true);
  });

  it('ends a piped run with the last events count when only that moved', () => {
    // Arrange
    const pipe = stream(false);
    const progress = Progress.for(pipe, true);

    // Act
    progress.update(0, 1, 0);
    progress.update(0, 1, 500);
    progress.finish();

    // Assert
    expect(pipe.writes).toEqual([
      '[..............................] 0/1 executions · 0 events\n',
      '[..............................] 0/1 executions · 500 events\n',
    ]);
  });

  it('names what it counts, after a label, and leaves out the events when none are counted', () => {
    // Arrange
    const pipe = stream(false);
    const progress = Progress.for(pipe, true, { label: 'onboarding', noun: 'accounts', width: 10 });

    // Act
    progress.update(0, 2);
    progress.update(1, 2);
    progress.update(2, 2);
    progress.finish();

    // Assert
    expect(pipe.writes).toEqual([
      'onboarding [..........] 0/2 accounts\n',
      'onboarding [#####.....] 1/2 accounts\n',
      'onboarding [##########] 2/2 accounts\n',
    ]);
  });

  it('stays silent when piped and not asked for', () => {
    // Arrange
    const pipe = stream(false);

    // Act
    readThree(Progress.for(pipe, false));

    // Assert
    expect(pipe.writes).toEqual([]);
  });
});
