/** Work started by a request and not awaited: logged when it fails, waited for at shutdown. */
import { expect } from 'chai';
import { BackgroundTasks } from '../../src/background.js';
import { createLogger } from '../../src/log.js';

describe('background tasks', function () {
  it('logs a failure instead of losing it, and drain() waits for everything started', async function () {
    const lines: Record<string, unknown>[] = [];
    const tasks = new BackgroundTasks(
      createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    );
    const done: string[] = [];
    const later = (ms: number, name: string) => () =>
      new Promise<void>((resolve) => setTimeout(() => resolve(void done.push(name)), ms));
    tasks.run('slow', later(30, 'slow'));
    tasks.run('broken', () => Promise.reject(new Error('mail store gone')));
    tasks.run('chained', async () => {
      await later(10, 'first')();
      tasks.run('started by a task', later(30, 'second'));
    });
    await tasks.drain();
    expect(done).to.have.members(['slow', 'first', 'second']);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({ level: 'error', msg: 'background task failed', task: 'broken' });
    expect(lines[0]!.err).to.deep.include({ message: 'mail store gone' });
  });
});
