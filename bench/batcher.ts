/**
 * Groups the adds of concurrent webhook requests into one `addBulk` per queue. Kiosk's
 * producer used it until one `Queue.add` per update on an auto-pipelined connection measured
 * cheaper (bench/README.md, "Durable ingest"); `ingest-parts.ts` keeps it to compare the two.
 */

/** Collects items until the current turn of the event loop ends, then flushes them together. */
export function createBatcher<T>(flush: (items: T[]) => Promise<void>, maxBatch = 500): (item: T) => Promise<void> {
  let pending: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let scheduled = false;

  const drain = () => {
    scheduled = false;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(maxBatch);
      flush(batch.map((p) => p.item)).then(
        () => batch.forEach((p) => p.resolve()),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      );
    }
  };

  return (item: T) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(drain);
      }
    });
}
