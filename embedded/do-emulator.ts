// A DigitalOcean API emulator on loopback, for the tests and the demo: the droplet endpoints
// tagship uses, bearer-token auth, rate-limit headers, `new` → `active` after a boot delay,
// and switchable faults (429 with Retry-After, 5xx, slow answers, deletes that are accepted
// while the droplet lingers, the droplet limit). A droplet can be backed by a Docker container
// that runs its cloud-init user data, so the build agent really enrols from it.
// Contract: https://docs.digitalocean.com/reference/api/api-reference/#tag/Droplets
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type Docker from 'dockerode';
import { listen } from '../providers/http/listen.ts';
import { SANDBOXING_AGENT } from '../providers/docker/machines.ts';

export type Route = 'account' | 'create' | 'get' | 'list' | 'delete';

export interface Faults {
  /** The next N requests to these routes answer 429 with Retry-After. */
  rateLimit?: { routes: Route[]; count: number; retryAfterSeconds: number };
  /** The next N requests to these routes answer this 5xx. */
  serverError?: { routes: Route[]; count: number; status: number };
  /** The next N requests to these routes are answered after a delay (the work is done first). */
  slow?: { routes: Route[]; count: number; delayMs: number };
  /** Deleted droplets stay visible (status `archive`, as the API shows a droplet being destroyed) this long after the 204. */
  lingerMs?: number;
  /** Each request, with probability `rate`, gets one fault drawn at random: 429 with
   *  Retry-After, a 5xx, or an answer held past the client's timeout (the work done first). */
  random?: { rate: number; retryAfterSeconds: number; slowMs: number; rng?: () => number };
}

/** Faults the random mode injected, by kind. */
export type InjectedFaults = Record<'rate-limit' | 'server-error' | 'timeout', number>;

export interface EmulatedDroplet {
  id: number;
  name: string;
  /** `off` is powered off — still a droplet, still billed; `archive`, being destroyed. */
  status: 'new' | 'active' | 'off' | 'archive';
  region: { slug: string };
  size_slug: string;
  image: { id: number | null; slug: string | null };
  tags: string[];
  created_at: string;
  networks: { v4: { ip_address: string; type: string }[] };
  user_data?: string;
}

export interface DoEmulator {
  url: string;
  /** The base URL do-wrapper is pointed at (…/v2/). */
  apiUrl: string;
  faults: Faults;
  injected: InjectedFaults;
  droplets: Map<number, EmulatedDroplet>;
  /** Every created droplet's user data, by name (what its metadata service would serve). */
  userData: Map<string, string>;
  /** Create requests that made a droplet, by droplet name. */
  creates: Map<string, number>;
  dropletLimit: number;
  /** What a build that runs `poweroff` does: the droplet stays, powered off (status `off`). */
  powerOff(name: string): void;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  token: string;
  bootDelayMs?: number;
  dropletLimit?: number;
  sizes?: string[];
  /** Image slugs and snapshot ids the account has. */
  images?: (string | number)[];
  /** When given, every droplet is a container of this image running its user data, on the
   *  host's network or on the named Docker network (a droplet elsewhere: it reaches only what
   *  that network routes to). */
  backend?: { docker: Docker; image: string; binds: string[]; network?: string };
}

const DEFAULT_SIZES = ['s-1vcpu-1gb', 's-2vcpu-4gb', 'c2-8vcpu-16gb-intel'];

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

interface CreateBody {
  name?: string;
  region?: string;
  size?: string;
  image?: string | number;
  tags?: string[];
  user_data?: string;
}

async function readJson(req: IncomingMessage): Promise<CreateBody> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as CreateBody) : {};
}

function take(f: { routes: Route[]; count: number } | undefined, route: Route): boolean {
  if (!f || f.count <= 0 || !f.routes.includes(route)) return false;
  f.count--;
  return true;
}

export async function startDoEmulator(opts: EmulatorOptions): Promise<DoEmulator> {
  const droplets = new Map<number, EmulatedDroplet>();
  const creates = new Map<string, number>();
  const userData = new Map<string, string>();
  const state: DoEmulator = { url: '', apiUrl: '', faults: {}, injected: { 'rate-limit': 0, 'server-error': 0, timeout: 0 }, droplets, creates, userData, dropletLimit: opts.dropletLimit ?? 25, powerOff: () => undefined, close: async () => {} };
  const sizes = new Set(opts.sizes ?? DEFAULT_SIZES);
  const images = new Set((opts.images ?? ['debian-12-x64', 'tagship-agent-snapshot']).map(String));
  let nextId = 3100000 + Math.floor(Math.random() * 1000);
  const containerOf = (d: EmulatedDroplet) => `do-droplet-${d.id}`;

  async function boot(d: EmulatedDroplet): Promise<void> {
    await new Promise((r) => setTimeout(r, opts.bootDelayMs ?? 1000));
    if (!droplets.has(d.id)) return;
    if (opts.backend) {
      // cloud-init: the droplet's first boot runs its user data.
      const c = await opts.backend.docker.createContainer({
        name: containerOf(d),
        Image: opts.backend.image,
        Cmd: ['sh', '-c', d.user_data ?? 'sleep infinity'],
        Labels: { 'tagship.emulated-droplet': String(d.id) },
        // A droplet's root holds every capability; the agent needs these to sandbox builds.
        HostConfig: { Init: true, NetworkMode: opts.backend.network ?? 'host', Binds: opts.backend.binds, ...SANDBOXING_AGENT },
      });
      await c.start();
    }
    if (droplets.has(d.id)) d.status = 'active';
    else await removeBackend(d);
  }

  async function removeBackend(d: EmulatedDroplet): Promise<void> {
    if (opts.backend) await opts.backend.docker.getContainer(containerOf(d)).remove({ force: true }).catch(() => undefined);
  }

  function destroy(d: EmulatedDroplet): void {
    d.status = 'archive';
    const gone = () => {
      droplets.delete(d.id);
      void removeBackend(d);
    };
    if (state.faults.lingerMs) setTimeout(gone, state.faults.lingerMs);
    else gone();
  }

  // The API does not return user data with a droplet (it is served to the droplet itself).
  const public_ = (d: EmulatedDroplet) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'user_data'));

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean);
      const route: Route | null =
        parts[1] === 'account' ? 'account'
        : parts[1] !== 'droplets' ? null
        : req.method === 'POST' ? 'create'
        : req.method === 'DELETE' ? 'delete'
        : parts[2] ? 'get' : 'list';
      if (parts[0] !== 'v2' || !route) return send(res, 404, { id: 'not_found', message: 'The resource you were accessing could not be found.' });
      const limits = { 'ratelimit-limit': '5000', 'ratelimit-remaining': '4999', 'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60) };
      if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { id: 'unauthorized', message: 'Unable to authenticate you' }, limits);
      const random = state.faults.random;
      const drawn = random && (random.rng ?? Math.random)() < random.rate ? (['rate-limit', 'server-error', 'timeout'] as const)[Math.floor((random.rng ?? Math.random)() * 3)]! : null;
      if (drawn) state.injected[drawn]++;
      if (drawn === 'rate-limit' || take(state.faults.rateLimit, route)) {
        const after = drawn ? random!.retryAfterSeconds : state.faults.rateLimit!.retryAfterSeconds;
        return send(res, 429, { id: 'too_many_requests', message: 'API Rate limit exceeded.' }, { ...limits, 'ratelimit-remaining': '0', 'retry-after': String(after), 'ratelimit-reset': String(Math.floor(Date.now() / 1000) + after) });
      }
      if (drawn === 'server-error') return send(res, 503, { id: 'service_unavailable', message: 'Service Unavailable' }, limits);
      if (take(state.faults.serverError, route)) return send(res, state.faults.serverError!.status, { id: 'server_error', message: 'Server Error' }, limits);
      const delay = drawn === 'timeout' ? random!.slowMs : take(state.faults.slow, route) ? state.faults.slow!.delayMs : 0;
      const answer = (status: number, body?: unknown) => setTimeout(() => send(res, status, body, limits), delay);

      if (route === 'account') return answer(200, { account: { droplet_limit: state.dropletLimit, email: 'ci@example.invalid', uuid: 'emulated', status: 'active' } });
      if (route === 'create') {
        const body = await readJson(req);
        const size = body.size ?? '';
        const image = String(body.image ?? '');
        if (!body.name || !/^[a-zA-Z0-9.-]+$/.test(body.name)) return answer(422, { id: 'unprocessable_entity', message: 'Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)' });
        if (!sizes.has(size)) return answer(422, { id: 'unprocessable_entity', message: `You specified an invalid size for Droplet creation: ${size}` });
        if (!images.has(image)) return answer(422, { id: 'unprocessable_entity', message: `You specified an invalid image for Droplet creation: ${image}` });
        if (droplets.size >= state.dropletLimit) return answer(422, { id: 'unprocessable_entity', message: 'creating this/these droplet(s) will exceed your droplet limit' });
        const d: EmulatedDroplet = {
          id: nextId++,
          name: body.name,
          status: 'new',
          region: { slug: body.region ?? 'nyc1' },
          size_slug: size,
          image: /^\d+$/.test(image) ? { id: Number(image), slug: null } : { id: null, slug: image },
          tags: body.tags ?? [],
          created_at: new Date().toISOString(),
          networks: { v4: [{ ip_address: '127.0.0.1', type: 'private' }] },
          ...(typeof body.user_data === 'string' ? { user_data: body.user_data } : {}),
        };
        droplets.set(d.id, d);
        creates.set(d.name, (creates.get(d.name) ?? 0) + 1);
        if (d.user_data !== undefined) userData.set(d.name, d.user_data);
        void boot(d).catch(() => (d.status = 'off'));
        return answer(202, { droplet: public_(d), links: { actions: [{ id: d.id, rel: 'create', href: `${state.url}/v2/actions/${d.id}` }] } });
      }
      if (route === 'get') {
        const d = droplets.get(Number(parts[2]));
        return d ? answer(200, { droplet: public_(d) }) : answer(404, { id: 'not_found', message: 'The resource you were accessing could not be found.' });
      }
      if (route === 'list') {
        const tag = url.searchParams.get('tag_name');
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), 200);
        const page = Math.max(Number(url.searchParams.get('page') ?? 1), 1);
        const all = [...droplets.values()].filter((d) => !tag || d.tags.includes(tag));
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const pages = page * perPage < all.length ? { next: `${state.url}/v2/droplets?page=${page + 1}&per_page=${perPage}${tag ? `&tag_name=${tag}` : ''}` } : {};
        return answer(200, { droplets: slice.map(public_), links: { pages }, meta: { total: all.length } });
      }
      // delete by id, or by tag
      const tag = url.searchParams.get('tag_name');
      if (!parts[2] && tag) {
        for (const d of [...droplets.values()].filter((x) => x.tags.includes(tag) && x.status !== 'archive')) destroy(d);
        return answer(204);
      }
      const d = droplets.get(Number(parts[2]));
      if (!d || d.status === 'archive') return answer(404, { id: 'not_found', message: 'The resource you were accessing could not be found.' });
      destroy(d);
      return answer(204);
    })().catch((err: unknown) => send(res, 500, { id: 'server_error', message: String(err) }));
  });
  const l = await listen(server);
  state.url = l.url;
  state.apiUrl = `${l.url}/v2/`;
  state.powerOff = (name: string) => {
    for (const d of droplets.values()) if (d.name === name && d.status !== 'archive') d.status = 'off';
  };
  state.close = async () => {
    await l.close();
    for (const d of droplets.values()) await removeBackend(d);
  };
  return state;
}
