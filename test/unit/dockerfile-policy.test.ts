// What a project's Dockerfile may ask of the engine (core/dockerfile-policy.ts): each refusal
// names the line and the way out; the Dockerfiles tagship's examples use pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dockerfileProblems, instructions, platformArgs, TAGSHIP_BASES, withArgsDeclared } from '../../core/dockerfile-policy.ts';

const policy = { ...TAGSHIP_BASES, buildArgs: { TARGETARCH: 'arm64', TARGETPLATFORM: 'linux/arm64', TARGETOS: 'linux' } };
const problems = (lines: string[]) => dockerfileProblems(lines.join('\n'), policy);

test('the example app\'s Dockerfile and a multi-stage build from tagship\'s bases pass', () => {
  assert.deepEqual(dockerfileProblems(readFileSync('examples/hello-vehicle-app/Dockerfile', 'utf8'), policy), []);
  assert.deepEqual(problems(['ARG TARGETARCH=amd64', 'FROM tagship/machine:bookworm-${TARGETARCH} AS build', 'RUN make', 'FROM scratch', 'COPY --from=build /out /out', 'COPY --from=0 /x /y', 'ADD local.tar.gz /opt/']), []);
});

test('ADD from a URL is refused wherever it hides: plain, JSON form, after flags, continued over lines, in ONBUILD', () => {
  const found = problems([
    'FROM tagship/machine:bookworm-amd64',
    'ADD http://127.0.0.1:7233/x /x',
    'ADD ["https://127.0.0.1:9000/y", "/y"]',
    'add --chown=1000 \\',
    '    git@127.0.0.1:repo.git /z',
    'ONBUILD ADD http://10.0.0.1/w /w',
  ]);
  assert.equal(found.length, 4, found.join('\n'));
  assert.match(found[0]!, /^line 2: ADD http:\/\/127\.0\.0\.1:7233\/x is not allowed: the engine would fetch it from the orchestrator's host/);
  assert.match(found[1]!, /^line 3: ADD https:/);
  assert.match(found[2]!, /^line 4: ADD git@/);
  assert.match(found[3]!, /^line 6 \(ONBUILD\): ADD http/);
});

test('an image that is not tagship\'s base cannot be a base or a COPY source, whatever variables spell it', () => {
  const found = problems([
    'ARG REG=127.0.0.1:38839',
    'FROM ${REG}/other-app:abc',
    'FROM tagship/machine:bookworm-amd64 AS ok',
    'COPY --from=127.0.0.1:38839/other-app:abc /app /stolen',
    'COPY --from=tagship-env/other:key /x /x',
    'FROM tagship-env/other-project:0123',
  ]);
  assert.equal(found.length, 4, found.join('\n'));
  assert.match(found[0]!, /^line 2: FROM 127\.0\.0\.1:38839\/other-app:abc is not allowed; a build may start from tagship's base images/);
  assert.match(found[1]!, /^line 4: COPY --from=127\.0\.0\.1:38839\/other-app:abc is not allowed/);
  assert.match(found[3]!, /^line 6: FROM tagship-env\/other-project:0123/);
  // A stage ARG does not reach a later FROM (the engine's rule): this one is empty, so refused.
  assert.equal(problems(['FROM tagship/machine:bookworm-amd64', 'ARG B=tagship/machine:bookworm-amd64', 'FROM ${B}']).length, 1);
});

test('RUN flags that widen a RUN line are refused; a platform variable nobody declared is named with the fix', () => {
  const found = problems(['FROM --platform=$BUILDPLATFORM tagship/machine:bookworm-amd64', 'RUN --mount=type=secret,id=npm cat /run/secrets/npm', 'RUN --network=host true']);
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0]!, /FROM --platform=\$BUILDPLATFORM is empty here; tagship declares and passes the platform arguments/);
  assert.match(found[1]!, /line 2: RUN --mount is not allowed/);
  assert.match(found[2]!, /line 3: RUN --network is not allowed/);
  // The arguments tagship passes need no ARG of their own (it declares them, as BuildKit does).
  assert.deepEqual(problems(['FROM --platform=$TARGETPLATFORM tagship/machine:bookworm-${TARGETARCH}']), []);
  assert.deepEqual(problems(['# just a comment']), ['the Dockerfile has no FROM line']);
});

test('the escape directive changes what continues a line', () => {
  const list = instructions(['# escape=`', 'FROM tagship/machine:bookworm-amd64', 'ADD `', '  http://127.0.0.1/x /x'].join('\n'));
  assert.deepEqual(list.map((i) => [i.line, i.keyword]), [[2, 'FROM'], [3, 'ADD']]);
  assert.match(list[1]!.rest, /http:\/\/127\.0\.0\.1\/x \/x/);
});

test('the platform arguments are declared after the parser directives, as BuildKit has them', () => {
  assert.equal(withArgsDeclared('# syntax=docker/dockerfile:1\n# escape=`\nFROM --platform=$TARGETPLATFORM x\n', ['TARGETPLATFORM', 'TARGETARCH']), '# syntax=docker/dockerfile:1\n# escape=`\nARG TARGETPLATFORM\nARG TARGETARCH\nFROM --platform=$TARGETPLATFORM x\n');
  assert.deepEqual(platformArgs('arm64'), { TARGETPLATFORM: 'linux/arm64', TARGETOS: 'linux', TARGETARCH: 'arm64', TARGETVARIANT: '', BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64' });
});
