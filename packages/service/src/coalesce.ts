/**
 * Look-ups of many concurrent requests as one query: the first call runs at once, alone; calls that arrive while a
 * query is in flight wait and go together in the next one (at most `maxKeys` per query). No timer and no added
 * latency when calls come one at a time; under load the number of queries (round trips, statements parsed) falls with
 * the number of requests in flight. `fetch` answers each key in order (undefined for none).
 */
export class Coalescer<K, V> {
  private waiting: { key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly fetch: (keys: K[]) => Promise<(V | undefined)[]>,
    private readonly maxInFlight = 1,
    private readonly maxKeys = 256,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.inFlight < this.maxInFlight) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.inFlight++;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, this.maxKeys);
        try {
          const values = await this.fetch(batch.map((b) => b.key));
          batch.forEach((b, i) => b.resolve(values[i]));
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      this.inFlight--;
    }
  }
}
