// projects.yml: every error names its field; variables are resolved from the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { projectsFrom } from '../../providers/projects/file.ts';

test('projects.yml is checked field by field', () => {
  const bad = `projects:\n  Bad_Name: { repository: "https://user:pw@example.invalid/x.git" }\n  ok: { repository: "ftp://example.invalid/x", secretEnv: lower, credentials: { tokenEnv: T } }\n`;
  assert.throws(
    () => projectsFrom(bad, 'projects.yml', {}),
    (err: Error) => {
      assert.match(err.message, /projects\.Bad_Name\.repository: must be a URL without a user name or password/);
      assert.match(err.message, /projects\.ok\.repository: must be an http\(s\):\/\/, git:\/\/, ssh:\/\/ or file:\/\/ URL/);
      assert.match(err.message, /projects\.ok\.secretEnv: must be an environment variable name/);
      return true;
    },
  );
  assert.throws(() => projectsFrom(`projects:\n  p: { repository: "https://example.invalid/p.git", secretEnv: P_SECRET }\n`, 'projects.yml', {}, { secret: true }), /projects\.p\.secretEnv: names P_SECRET, which is not set/);
  assert.throws(() => projectsFrom(`projects:\n  Bad: { repository: "https://example.invalid/p.git" }\n`, 'projects.yml', {}), /projects\.Bad: a project name must be/);
  const good = projectsFrom(`projects:\n  p:\n    repository: "https://example.invalid/p.git"\n    secretEnv: P_SECRET\n    credentials: { usernameEnv: P_USER, tokenEnv: P_TOKEN }\n    requireSignedTags: { publicKeys: ["env:P_KEY", /etc/k.asc] }\n`, 'projects.yml', { P_SECRET: 's', P_USER: 'bot', P_TOKEN: 't', P_KEY: '/keys/p.asc' }, { secret: true, credentials: true });
  assert.equal(good.secretOf('p'), 's');
  assert.deepEqual(good.credentialsOf('p'), { username: 'bot', password: 't' });
  assert.deepEqual(good.tagKeysOf('p'), ['/keys/p.asc', '/etc/k.asc']);
  assert.equal(good.get('constructor'), undefined, 'only named projects are found');
});
