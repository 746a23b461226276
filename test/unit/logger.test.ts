// The process logger cuts every secret it was told of out of every line: the message, fields,
// errors; and the SDK's logger lands in it at the right level with its metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, sdkLogger } from '../../providers/log/logger.ts';

function capture(level: 'info' | 'debug', secrets: string[]) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level, secrets, destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } });
  return { log, lines };
}

test('secrets never reach a line, wherever they are', () => {
  const secret = 'tok-0123456789abcdef';
  const { log, lines } = capture('info', [secret, 'short']);
  log.info({ header: `Bearer ${secret}`, n: 3 }, `token ${secret} used`);
  log.error({ err: new Error(`refused ${secret}`) }, 'failed');
  log.warn(new Error(`boom ${secret}`));
  log.debug(`not written ${secret}`);
  log.info('a short word');
  const text = JSON.stringify(lines);
  assert.equal(lines.length, 4);
  assert.ok(!text.includes(secret), text);
  assert.equal(lines[0]!.msg, 'token [redacted] used');
  assert.equal(lines[0]!.header, 'Bearer [redacted]');
  assert.equal(lines[0]!.n, 3);
  assert.match(JSON.stringify(lines[1]!.err), /refused \[redacted\]/);
  assert.ok(text.includes('short'), 'values under 8 characters are not treated as secrets');
});

test('the SDK logger forwards with its metadata at its level', () => {
  const { log, lines } = capture('debug', []);
  const sdk = sdkLogger(log);
  sdk.info('machine created', { workflowId: 'release:p:v1.0.0/target/t', activityType: 'createMachine', attempt: 2 });
  sdk.log('WARN', 'slow', { sdkComponent: 'worker' });
  sdk.trace('hidden');
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [[30, 'machine created'], [40, 'slow']]);
  assert.equal(lines[0]!.workflowId, 'release:p:v1.0.0/target/t');
  assert.equal(lines[0]!.attempt, 2);
});
