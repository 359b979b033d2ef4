/**
 * Runs tasks one after another within this process. Used where a read-check-write must not
 * interleave with another one in the same process (SQLite has no row locks, and TypeORM shares its
 * one connection between concurrent transactions).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
