// The simulated machines' agents in a process of their own (bench/workers-scale.ts), so that a
// simulated worker's own memory and event loop are measured apart from its machines': a
// loopback HTTP endpoint the worker's SimulatedMachines asks to start and stop each machine's
// agent (workers/simulated-machines.ts, RemoteAgents). Bench only: it runs the target's
// commands on this host. Prints its URL on its first line; stops on SIGTERM.
import { createServer } from 'node:http';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { InProcessAgents, type AgentStart } from '../workers/simulated-machines.ts';
import { listen } from '../providers/http/listen.ts';

Runtime.install({ logger: new DefaultLogger('WARN') });
const agents = new InProcessAgents(process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', process.env.TEMPORAL_NAMESPACE ?? 'default');
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    void (async () => {
      const input = JSON.parse(body || '{}') as AgentStart & { name: string };
      if (req.method === 'POST' && req.url === '/start') await agents.start(input);
      else if (req.method === 'POST' && req.url === '/stop') await agents.stop(input.name);
      else return void res.writeHead(404).end();
      res.writeHead(204).end();
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
});
const listening = await listen(server, { host: '127.0.0.1', port: 0 });
console.log(listening.url);
await new Promise((resolve) => process.once('SIGTERM', resolve));
await agents.close();
await listening.close();
