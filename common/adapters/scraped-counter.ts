/**
 * A Prometheus counter whose value is read from the program's own tally when scraped, so the
 * request and purge paths keep plain numbers and do no metrics bookkeeping. Shared by the edge's
 * and the control plane's registries.
 */
import { Counter, type Registry } from 'prom-client';

export function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
