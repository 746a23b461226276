// Calls to the DigitalOcean API through do-wrapper, with its failures sorted out:
//   429            wait as Retry-After / ratelimit-reset say, then try again (bounded)
//   5xx, timeouts  retry with backoff a few times, then a retryable error (the activity retries)
//   401, 403       non-retryable: the token is wrong; names the setting to fix
//   422            non-retryable: DO refused the request (limit, size, image); names the field
//   404            returned as null: "not there" is an answer, not a failure
import doWrapper from 'do-wrapper';

// A CommonJS module whose class is its `default` export: under Node's ESM interop the default
// import is module.exports, so the class is `.default`.
export type DoClient = InstanceType<typeof doWrapper.default>;
import { ProviderError } from '../../ports/machines.ts';

/** do-wrapper hard-codes https://api.digitalocean.com/v2/ in one RequestHelper shared by all of
 *  its modules; its `apiUrl` field is public at run time, so setting it once points the whole
 *  client elsewhere (the emulator in tests and the demo). */
export function doClient(token: string, apiUrl?: string): DoClient {
  const client = new doWrapper.default(token, 100);
  if (apiUrl) (client.droplets as unknown as { requestHelper: { apiUrl: string } }).requestHelper.apiUrl = apiUrl.replace(/\/?$/, '/');
  return client;
}

export interface ApiPolicy {
  /** One request's bound: DO answers in well under a second; 30 s means it is not answering. */
  requestTimeoutMs: number;
  /** 5xx and timeouts retried this many times here before the activity's own retries. */
  transientRetries: number;
  /** The longest wait a 429 may ask for before the call gives up (the activity retries later). */
  maxRateLimitWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_API_POLICY: ApiPolicy = {
  requestTimeoutMs: 30_000,
  transientRetries: 3,
  maxRateLimitWaitMs: 120_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

interface HttpErrorLike {
  response?: { statusCode: number; body: string; headers: Record<string, string | undefined> };
  code?: string;
}

function detail(body: string | undefined): string {
  try {
    return (JSON.parse(body ?? '') as { message?: string }).message ?? String(body);
  } catch {
    return String(body ?? '');
  }
}

/** Which setting a 422 is about, for the message. */
function fieldFor(message: string): string {
  if (/size/i.test(message)) return 'targets[].machine.size';
  if (/image/i.test(message)) return 'targets[].machine.image (or the worker\'s TAGSHIP_DO_IMAGE)';
  if (/droplet limit/i.test(message)) return 'the DigitalOcean account\'s droplet limit (fewer targets, or ask DO to raise it)';
  return 'the droplet request';
}

class Timeout extends Error {}

/** A failure a later attempt may not repeat; `transient` says whether waiting could help. */
export class TransientDoError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'TransientDoError';
  }
}

/** `idempotent: false` (a create) never retries a 5xx or timeout itself: the request may have
 *  been carried out, so the caller must look before it asks again. A 429 was not carried out
 *  and is always waited out. */
export async function callDo<T>(what: string, fn: () => Promise<T>, policy: ApiPolicy = DEFAULT_API_POLICY, idempotent = true): Promise<T | null> {
  let transient = 0;
  let waited = 0;
  for (;;) {
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`${what}: no answer within ${policy.requestTimeoutMs} ms`)), policy.requestTimeoutMs)));
      try {
        return await Promise.race([fn(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      const res = (err as HttpErrorLike).response;
      const status = res?.statusCode;
      if (status === 404) return null;
      if (status === 401 || status === 403) {
        throw new ProviderError('ProviderRejected', `DigitalOcean refused the API token during ${what} (HTTP ${status}: ${detail(res?.body)}); check the worker's TAGSHIP_DO_TOKEN`, false);
      }
      if (status === 422) {
        const msg = detail(res?.body);
        throw new ProviderError('ProviderRejected', `DigitalOcean refused ${what} (HTTP 422: ${msg}); check ${fieldFor(msg)}`, false);
      }
      if (status === 429) {
        const retryAfter = Number(res?.headers['retry-after']);
        const reset = Number(res?.headers['ratelimit-reset']);
        const ms = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(reset) ? Math.max(reset * 1000 - Date.now(), 1000) : 5000;
        if (waited + ms > policy.maxRateLimitWaitMs) throw new Error(`${what}: rate limited by DigitalOcean for longer than ${policy.maxRateLimitWaitMs} ms; will retry later`);
        waited += ms;
        await policy.sleep(ms);
        continue;
      }
      const isTransient = err instanceof Timeout || (status !== undefined && status >= 500) || ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes((err as HttpErrorLike).code ?? '');
      if (isTransient && idempotent && transient < policy.transientRetries) {
        transient++;
        await policy.sleep(500 * 2 ** transient);
        continue;
      }
      throw new TransientDoError(`${what} failed: ${status ? `HTTP ${status} ${detail(res?.body)}` : String(err)}`, isTransient);
    }
  }
}
