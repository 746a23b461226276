// A secured Temporal frontend for tests: Debian's nginx as a gRPC proxy with TLS in front of the
// dev server, asking every client for a certificate signed by the test's own CA (mTLS). The
// certificates are made with openssl for each proxy; nginx runs in the foreground with its own
// prefix folder and is stopped by its PID.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { freePort, portAnswers } from '../../providers/net/ports.ts';

export interface TlsProxy {
  address: string;
  /** The TEMPORAL_TLS_* variables of a client with a certificate the proxy accepts. */
  clientEnv: Record<string, string>;
  /** The same with a certificate of another CA, which the proxy refuses. */
  strangerEnv: Record<string, string>;
  /** Only the CA (a client that trusts the server but has no certificate). */
  anonymousEnv: Record<string, string>;
  /** The CA and the server's certificate and key (PEM files): another server on the same
   *  address (the gateway) can use them too. */
  files: { ca: string; serverCert: string; serverKey: string };
  stop(): Promise<void>;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and certificates it signs: `server` for the host's address, `client`. */
function certificates(dir: string, prefix: string, host: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${prefix} test CA`, '-keyout', `${prefix}-ca.key`, '-out', `${prefix}-ca.pem`);
  for (const [name, ext] of [['server', `subjectAltName=IP:${host}\nextendedKeyUsage=serverAuth`], ['client', 'extendedKeyUsage=clientAuth']] as const) {
    writeFileSync(join(dir, `${prefix}-${name}.ext`), `${ext}\n`);
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${prefix} ${name}`, '-keyout', `${prefix}-${name}.key`, '-out', `${prefix}-${name}.csr`);
    openssl(dir, 'x509', '-req', '-in', `${prefix}-${name}.csr`, '-CA', `${prefix}-ca.pem`, '-CAkey', `${prefix}-ca.key`, '-CAcreateserial', '-days', '2', '-extfile', `${prefix}-${name}.ext`, '-out', `${prefix}-${name}.pem`);
  }
}

/** `host`: where it listens (loopback by default; a Docker network's gateway address for
 *  machines on that network). */
export async function startTlsProxy(upstream: string, host = '127.0.0.1'): Promise<TlsProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-tls-proxy-'));
  certificates(dir, 'good', host);
  certificates(dir, 'stranger', host);
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} info;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
      '  server {',
      `    listen ${host}:${port} ssl http2;`,
      `    ssl_certificate ${join(dir, 'good-server.pem')};`,
      `    ssl_certificate_key ${join(dir, 'good-server.key')};`,
      `    ssl_client_certificate ${join(dir, 'good-ca.pem')};`,
      '    ssl_verify_client on;',
      '    grpc_read_timeout 300s; grpc_send_timeout 300s; client_body_timeout 300s;',
      `    location / { grpc_pass grpc://${upstream}; }`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const nginx: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  for (let i = 0; !(await portAnswers(port, host)); i++) {
    if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start (see ${join(dir, 'error.log')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const env = (prefix: string) => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'good-ca.pem'), TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, `${prefix}-client.pem`), TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, `${prefix}-client.key`) });
  return {
    address: `${host}:${port}`,
    clientEnv: env('good'),
    strangerEnv: env('stranger'),
    anonymousEnv: { TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'good-ca.pem'), TEMPORAL_TLS: 'true' },
    files: { ca: join(dir, 'good-ca.pem'), serverCert: join(dir, 'good-server.pem'), serverKey: join(dir, 'good-server.key') },
    stop: async () => {
      if (nginx.exitCode !== null) return;
      const gone = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await gone;
    },
  };
}
