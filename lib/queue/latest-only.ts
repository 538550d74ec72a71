/**
 * Sends values one at a time, keeping only the newest while a send runs:
 * a slow disk or Redis never queues up one write per epoch, and the last
 * value pushed is always the last one sent.
 */
export class LatestOnly<T> {
  #next: { value: T } | null = null;
  #running: Promise<void> | null = null;
  #failure: { error: unknown } | null = null;

  constructor(private readonly send: (value: T) => Promise<void>) {}

  push(value: T): void {
    this.#next = { value };
    this.#running ??= this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#next !== null) {
      const { value } = this.#next;
      this.#next = null;
      try {
        await this.send(value);
      } catch (error) {
        this.#failure ??= { error };
      }
    }
    this.#running = null;
  }

  /** Waits until everything pushed was sent; rejects with the first failure of a send. */
  async flush(): Promise<void> {
    while (this.#running !== null) await this.#running;
    if (this.#failure !== null) throw this.#failure.error;
  }
}
