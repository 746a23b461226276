// tagship's own Helm chart (issue 20): `helm lint --strict`, then the rendered manifests checked
// against the Kubernetes API schemas (kubernetes-models' validators) and for what an operator
// relies on — probes on the real health endpoints, secrets only by reference, a non-root
// container, the image by digest, mTLS to Temporal when asked, a drain window, disruption budgets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { REPO_ROOT } from '../../providers/paths.ts';
import { toolPaths } from '../../workers/deps.ts';
import { parseSettings } from '../../core/settings.ts';

const CHART = join(REPO_ROOT, 'deploy', 'helm', 'tagship');
const helm = (...args: string[]) => execFileSync(toolPaths().helm, args, { encoding: 'utf8' });
type Doc = { kind: string; metadata: { name: string }; spec: Record<string, unknown> } & Record<string, unknown>;
type Container = { name: string; image: string; args: string[]; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[]; livenessProbe?: { httpGet: { path: string; port: string; scheme?: string } }; readinessProbe?: { httpGet: { path: string; port: string; scheme?: string } }; securityContext?: Record<string, unknown>; volumeMounts?: { name: string; mountPath: string }[] };

function render(...sets: string[]): Doc[] {
  const out = helm('template', 'rel', CHART, ...sets.flatMap((s) => ['--set', s]));
  return parseAllDocuments(out).map((d) => d.toJS() as Doc).filter(Boolean);
}
const validators: Record<string, (d: Doc) => void> = {
  Deployment: (d) => new Deployment(d as never).validate(),
  Service: (d) => new Service(d).validate(),
  ConfigMap: (d) => new ConfigMap(d).validate(),
  PodDisruptionBudget: (d) => new PodDisruptionBudget(d).validate(),
};
const containers = (d: Doc) => (d.spec as { template: { spec: { containers: Container[]; terminationGracePeriodSeconds?: number; volumes: { name: string; secret?: { secretName: string } }[] } } }).template.spec;

test('the chart lints and renders manifests the Kubernetes schemas accept', () => {
  assert.match(helm('lint', '--strict', CHART), /1 chart\(s\) linted, 0 chart\(s\) failed/);
  for (const sets of [[], ['hooks.enabled=false', 'docker.sidecar.enabled=false', 'docker.host=tcp://docker:2376'], ['temporal.tlsSecret=temporal-client', 'envFromSecrets={hook-secrets,registry-tokens}'], ['gateway.tlsSecret=gateway-tls', 'gateway.tlsCa=true', 'temporal.agentAddress=temporal.example.org:7233', 'provenanceKeySecret.name=provenance', 'worker.replicas=3']]) {
    const docs = render(...sets);
    for (const d of docs) {
      const validate = validators[d.kind];
      assert.ok(validate, `a ${d.kind} the test does not know`);
      validate(d);
    }
  }
  // A manifest the schemas refuse is refused here too (the check can fail).
  const bad = render()[0]!;
  assert.throws(() => validators[bad.kind]!({ ...bad, spec: { ...bad.spec, maxUnavailable: { not: 'a number' } } }));
});

test('what an operator relies on: probes, secrets by reference, non-root, digest, TLS, drain, budgets', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const docs = render(`image.digest=${digest}`, 'temporal.tlsSecret=temporal-client', 'agentTokenSecret.name=my-agent');
  const byName = new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));
  assert.deepEqual([...byName.keys()].sort(), ['ConfigMap/rel-tagship-projects', 'Deployment/rel-tagship-hooks', 'Deployment/rel-tagship-worker', 'PodDisruptionBudget/rel-tagship-hooks', 'PodDisruptionBudget/rel-tagship-worker', 'Service/rel-tagship-hooks']);

  const worker = containers(byName.get('Deployment/rel-tagship-worker')!);
  const w = worker.containers.find((c) => c.name === 'worker')!;
  assert.deepEqual(w.args, ['worker']);
  assert.equal(w.image, `tagship@${digest}`, 'the image by digest');
  assert.deepEqual([w.livenessProbe?.httpGet.path, w.readinessProbe?.httpGet.path], ['/healthz', '/readyz']);
  assert.equal(worker.terminationGracePeriodSeconds, 300, 'time for running activities to finish after SIGTERM');
  const env = new Map((w.env ?? []).map((e) => [e.name, e]));
  for (const name of ['TAGSHIP_AGENT_TOKEN', 'TAGSHIP_DO_TOKEN']) assert.ok(env.get(name)?.valueFrom?.secretKeyRef && env.get(name)?.value === undefined, `${name} by reference only`);
  assert.equal(env.get('TAGSHIP_AGENT_TOKEN')?.valueFrom?.secretKeyRef?.name, 'my-agent');
  assert.equal(env.get('TEMPORAL_TLS_CLIENT_CERT_PATH')?.value, '/etc/tagship/temporal-tls/tls.crt');
  assert.equal(env.get('TAGSHIP_GATEWAY_HOST')?.value, '0.0.0.0', 'the probes reach the gateway on the pod address');
  assert.ok(worker.volumes.some((v) => v.secret?.secretName === 'temporal-client'), 'the client certificate comes from its Secret');
  assert.equal(w.securityContext?.runAsNonRoot, true);
  assert.ok(worker.containers.some((c) => c.name === 'docker'), 'a Docker engine beside the worker (the gate runs in containers)');

  const hooks = containers(byName.get('Deployment/rel-tagship-hooks')!).containers[0]!;
  assert.deepEqual(hooks.args, ['hooks', 'serve', '--host', '0.0.0.0', '--port', '8380']);
  assert.equal(hooks.readinessProbe?.httpGet.path, '/healthz');
  assert.equal(hooks.securityContext?.runAsNonRoot, true);
  assert.ok(!(hooks.env ?? []).some((e) => /TOKEN|SECRET/.test(e.name)), 'the hook server holds no machine or cloud token');

  assert.equal(w.readinessProbe?.httpGet.scheme, 'HTTP');
  const tls = containers(render('gateway.tlsSecret=gateway-tls', 'gateway.tlsCa=true', 'gateway.publicUrl=https://gw.example.org:7480', 'temporal.agentAddress=temporal.example.org:7233').find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-tagship-worker')!);
  const tw = tls.containers.find((c) => c.name === 'worker')!;
  const tenv = new Map((tw.env ?? []).map((e) => [e.name, e.value]));
  assert.deepEqual(['TAGSHIP_GATEWAY_TLS_CERT', 'TAGSHIP_GATEWAY_TLS_KEY', 'TAGSHIP_GATEWAY_TLS_CA', 'TAGSHIP_AGENT_TEMPORAL_ADDRESS'].map((n) => tenv.get(n)), ['/etc/tagship/gateway-tls/tls.crt', '/etc/tagship/gateway-tls/tls.key', '/etc/tagship/gateway-tls/ca.crt', 'temporal.example.org:7233']);
  assert.deepEqual([tw.livenessProbe?.httpGet.scheme, tw.readinessProbe?.httpGet.scheme], ['HTTPS', 'HTTPS'], 'probes speak HTTPS to an HTTPS gateway');
  assert.ok(tls.volumes.some((v) => v.secret?.secretName === 'gateway-tls') && tw.volumeMounts?.some((m) => m.mountPath === '/etc/tagship/gateway-tls'), 'the certificate comes from its Secret');
  assert.ok(!tenv.has('TAGSHIP_PROVENANCE_KEY'), 'no shared provenance key unless one is named');
  const shared = containers(render('provenanceKeySecret.name=provenance', 'worker.replicas=3').find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-tagship-worker')!);
  const sw = shared.containers.find((c) => c.name === 'worker')!;
  assert.equal(new Map((sw.env ?? []).map((e) => [e.name, e.value])).get('TAGSHIP_PROVENANCE_KEY'), '/etc/tagship/provenance/provenance.pem', 'every replica signs with the one key');
  assert.ok(shared.volumes.some((v) => v.secret?.secretName === 'provenance') && sw.volumeMounts?.some((m) => m.mountPath === '/etc/tagship/provenance'));

  const plain = render('temporal.tlsSecret=');
  const plainWorker = containers(plain.find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-tagship-worker')!).containers[0]!;
  assert.ok(!(plainWorker.env ?? []).some((e) => e.name.startsWith('TEMPORAL_TLS_')), 'no TLS settings without a certificate');
});

test('worker versioning: the deployment from the values, each build named by its image (digest first), unversioned by default', () => {
  const envOf = (...sets: string[]) => {
    const worker = render(...sets).find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-tagship-worker')!;
    return new Map((containers(worker).containers.find((c) => c.name === 'worker')!.env ?? []).map((e) => [e.name, e.value]));
  };
  assert.equal(envOf().get('TAGSHIP_WORKER_DEPLOYMENT'), undefined);
  const tagged = envOf('workerDeployment=tagship', 'image.tag=1.4.0');
  assert.deepEqual([tagged.get('TAGSHIP_WORKER_DEPLOYMENT'), tagged.get('TAGSHIP_WORKER_BUILD_ID')], ['tagship', '1.4.0']);
  const digested = envOf('workerDeployment=tagship', `image.digest=sha256:${'b'.repeat(64)}`);
  assert.equal(digested.get('TAGSHIP_WORKER_BUILD_ID'), `sha256-${'b'.repeat(64)}`, 'a build id the settings accept (no colon)');
  assert.equal(parseSettings({ TAGSHIP_WORKER_DEPLOYMENT: 'tagship', TAGSHIP_WORKER_BUILD_ID: digested.get('TAGSHIP_WORKER_BUILD_ID')! }, '/x').deployment?.buildId, `sha256-${'b'.repeat(64)}`);
});

test('the hook servers share the store with the worker: their replicas keep one ledger of deliveries', () => {
  const hooks = render().find((d) => d.kind === 'Deployment' && d.metadata.name === 'rel-tagship-hooks')!;
  const c = containers(hooks).containers[0]! as Container & { envFrom?: { secretRef?: { name: string } }[] };
  const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.get('TAGSHIP_S3_BUCKET'), 'tagship-artifacts', 'the bucket the worker uses');
  assert.equal(env.get('TAGSHIP_REPO_S3_BUCKET'), 'tagship-repos', 'and the repository bucket: no replica keeps trees of its own');
  assert.ok(c.envFrom?.some((f) => f.secretRef?.name === 'tagship-s3'), 'and its credentials, by reference');
  assert.ok(Number((hooks.spec as { replicas: number }).replicas) > 1, 'several replicas by default');
});
