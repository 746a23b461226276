// Velocitas' deployment files (issue 24): the desired state Velocitas' own generator would write
// for the official template's AppManifest, pinned to the released digest; a hostile or broken
// AppManifest refused by JSON path; the statement covering every file and the image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { desiredState, desiredStateName, localSources, parseAppManifest, velocitasStatement, type AppManifest } from '../../core/velocitas.ts';

/** The template's AppManifest (eclipse-velocitas/vehicle-app-python-template, app/AppManifest.json at e7082f7). */
const TEMPLATE = JSON.stringify({
  manifestVersion: 'v3',
  name: 'SampleApp',
  interfaces: [
    { type: 'vehicle-signal-interface', config: { src: 'https://github.com/COVESA/vehicle_signal_specification/releases/download/v4.0/vss_rel_4.0.json', datapoints: { required: [{ path: 'Vehicle.Speed', access: 'read' }] } } },
    { type: 'pubsub', config: { reads: ['sampleapp/getSpeed'], writes: ['sampleapp/getSpeed/response', 'sampleapp/currentSpeed'] } },
  ],
});
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = { repository: '127.0.0.1:5000/sampleapp', version: '1.2.0', digest: DIGEST };
const noFiles = (p: string): string => assert.fail(`asked for ${p}`);

function parsed(text: string): AppManifest {
  const r = parseAppManifest(text, 'app/AppManifest.json');
  assert.ok('manifest' in r, JSON.stringify(r));
  return r.manifest;
}

test('the template\'s AppManifest gives what generate-desired-state writes, its source pinned to the digest', () => {
  const m = parsed(TEMPLATE);
  assert.deepEqual(desiredState(m, IMAGE, noFiles), {
    name: 'SampleApp',
    source: `127.0.0.1:5000/sampleapp:1.2.0@${DIGEST}`,
    type: 'container',
    requires: ['vss-source-default:v4.0', 'data-broker-grpc:v1', 'vss-read-vehicle-speed:v4.0', 'mqtt:v5'],
    provides: ['sampleapp:1.2.0'],
  });
  assert.equal(desiredStateName(m, '1.2.0'), 'sampleapp_manifest_1.2.0.json');
  assert.deepEqual(localSources(m), []);
});

test('the example\'s AppManifest parses', () => {
  const m = parsed(readFileSync(new URL('../../examples/hello-vehicle-app/app/AppManifest.json', import.meta.url), 'utf8'));
  assert.equal(m.name, 'HelloVehicleApp');
});

test('a custom VSS file and a gRPC proto are versioned by the md5 of the commit\'s file', () => {
  const m = parsed(JSON.stringify({
    manifestVersion: 'v3', name: 'Seat',
    interfaces: [
      { type: 'vehicle-signal-interface', config: { src: './app/vss.json', datapoints: { required: [{ path: 'Vehicle.Cabin.Seat.Row1.Pos', access: 'write' }] } } },
      { type: 'grpc-interface', config: { src: 'proto/seats.proto', required: {} } },
    ],
  }));
  assert.deepEqual(localSources(m), ['app/vss.json', 'proto/seats.proto']);
  const md5 = (p: string) => ({ 'app/vss.json': 'v'.repeat(32), 'proto/seats.proto': 'p'.repeat(32) })[p]!;
  assert.deepEqual(desiredState(m, IMAGE, md5).requires, [`vss-source-custom:${'v'.repeat(32)}`, 'data-broker-grpc:v1', `vss-write-vehicle-cabin-seat-row1-pos:${'v'.repeat(32)}`, `grpc-interface:${'p'.repeat(32)}`]);
});

test('a broken or hostile AppManifest is refused, every problem by its JSON path', () => {
  const problems = (value: unknown) => {
    const r = parseAppManifest(typeof value === 'string' ? value : JSON.stringify(value), 'app/AppManifest.json');
    assert.ok('problems' in r, 'accepted');
    return r.problems.join('\n');
  };
  assert.match(problems('{"name": '), /^app\/AppManifest\.json: not JSON/);
  assert.match(problems([1]), /must be a JSON object/);
  const bad = problems({
    manifestVersion: 3, name: '../../etc',
    interfaces: [
      { type: 'vehicle-signal-interface', config: { src: '../../secrets/key.pem', datapoints: { required: [{ path: 'Vehicle.Speed; rm -rf /', access: 'own' }] } } },
      { type: 'grpc-interface', config: { src: 'http://169.254.169.254/latest/meta-data' } },
      'pubsub',
    ],
  });
  for (const p of ['.manifestVersion: must be a version', '.name: must be the app\'s name', '.interfaces[0].config.src: must be a VSS release', '.interfaces[0].config.datapoints.required[0].path: must be a signal path', '.interfaces[0].config.datapoints.required[0].access: must be one of', '.interfaces[1].config.src: must be a .proto file in the repository: tagship fetches nothing', '.interfaces[2]: must be an object']) {
    assert.ok(bad.includes(`app/AppManifest.json ${p}`), `missing "${p}" in:\n${bad}`);
  }
});

test('the statement names every deployed file by sha256 and the image index', () => {
  const s = velocitasStatement({ project: 'app', version: '1.2.0', commit: 'c'.repeat(40), image: IMAGE, files: [{ name: 'AppManifest.json', sha256: '1'.repeat(64) }, { name: 'sampleapp_manifest_1.2.0.json', sha256: '2'.repeat(64) }] });
  assert.deepEqual(s.subject.map((x) => [x.name, x.digest.sha256]), [['AppManifest.json', '1'.repeat(64)], ['sampleapp_manifest_1.2.0.json', '2'.repeat(64)], ['127.0.0.1:5000/sampleapp@index', 'ab'.repeat(32)]]);
  assert.equal(s.predicate.image, `127.0.0.1:5000/sampleapp@${DIGEST}`);
});
