// The hook deliveries the server has acted on, by the forge's delivery id (X-GitHub-Delivery,
// X-Gitlab-Event-UUID), kept in a file so that a delivery replayed later — by the forge's
// "redeliver" button or by someone who captured it — is answered without acting again, across
// restarts of the hook server. Bounded: the newest ids are kept.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const KEEP = 50_000;
const ID = /^[A-Za-z0-9._:-]{1,100}$/;

export class DeliveryLedger {
  private readonly seen: Set<string>;

  constructor(private readonly file: string) {
    const ids = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => ID.test(l)) : [];
    this.seen = new Set(ids.slice(-KEEP));
    if (ids.length > KEEP * 2) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${[...this.seen].join('\n')}\n`);
    }
  }

  /** Whether this delivery was acted on before. An id that is not one is never "seen". */
  has(id: string): boolean {
    return ID.test(id) && this.seen.has(id);
  }

  record(id: string): void {
    if (!ID.test(id) || this.seen.has(id)) return;
    this.seen.add(id);
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${id}\n`);
  }
}
