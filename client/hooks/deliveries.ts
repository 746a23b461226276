// The hook deliveries the server has acted on, by the forge's delivery id (X-GitHub-Delivery,
// X-Gitlab-Event-UUID), so that a delivery replayed later — by the forge's "redeliver" button
// or by someone who captured it — is answered without acting again, across restarts of the hook
// server: in a file (one hook server), or in the artifact store every replica shares.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ArtifactStore } from '../../ports/artifacts.ts';

const KEEP = 50_000;
const ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The deliveries a hook server acted on. */
export interface Deliveries {
  /** Whether this delivery was acted on before. An id that is not one is never "seen". */
  has(id: string): boolean | Promise<boolean>;
  record(id: string): void | Promise<void>;
}

/** One hook server's ledger, in a file. Bounded: the newest ids are kept. */
export class DeliveryLedger implements Deliveries {
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

/** How long a delivery is remembered in the shared store (the purge removes older ones): longer
 *  than any forge retries or offers to redeliver. */
const REMEMBER_MS = 90 * 86_400_000;

/** The ledger of every hook server replica, in the artifact store (a conditional write each). */
export class StoreDeliveries implements Deliveries {
  constructor(private readonly store: Pick<ArtifactStore, 'claimOnce' | 'claimed'>) {}

  /** Forge ids hold characters keys do not: the ledger keeps a digest of each. */
  private key(id: string): string {
    return createHash('sha256').update(id).digest('hex').slice(0, 48);
  }

  async has(id: string): Promise<boolean> {
    return ID.test(id) && this.store.claimed('deliveries', this.key(id));
  }

  async record(id: string): Promise<void> {
    if (ID.test(id)) await this.store.claimOnce('deliveries', this.key(id), Date.now() + REMEMBER_MS);
  }
}
