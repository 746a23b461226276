// A project's `nightly:` in the projects file becomes a daily schedule of the nightly workflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nightliesOf, scheduleOptions } from '../../workers/schedules.ts';
import { projectsFrom } from '../../providers/projects/file.ts';
import { parseProjects } from '../../core/projects.ts';

test('the projects file\'s nightlies become schedules of the nightly workflow, at their hour', () => {
  const projects = projectsFrom('projects:\n  a: { repository: "http://127.0.0.1:1/a.git", nightly: { branch: develop, hour: 4 } }\n  b: { repository: "http://127.0.0.1:1/b.git" }\n  c: { repository: "http://127.0.0.1:1/c.git", nightly: {} }\n', 'projects.yml', {});
  assert.deepEqual(nightliesOf(projects), [{ project: 'a', branch: 'develop', hour: 4 }, { project: 'c', branch: 'main', hour: 2 }]);
  const opts = scheduleOptions({ taskQueue: 'q', nightlies: nightliesOf(projects) }).filter((o) => o.scheduleId.startsWith('tagship-nightly-'));
  assert.deepEqual(opts.map((o) => [o.scheduleId, o.spec.calendars, o.action]), [
    ['tagship-nightly-a', [{ hour: 4, minute: 0 }], { type: 'startWorkflow', workflowType: 'nightly', taskQueue: 'q', args: [{ project: 'a', branch: 'develop' }], workflowId: 'tagship-nightly-a' }],
    ['tagship-nightly-c', [{ hour: 2, minute: 0 }], { type: 'startWorkflow', workflowType: 'nightly', taskQueue: 'q', args: [{ project: 'c', branch: 'main' }], workflowId: 'tagship-nightly-c' }],
  ]);
});

test('a bad nightly block names its field', () => {
  const r = parseProjects('projects:\n  a: { repository: "http://127.0.0.1:1/a.git", nightly: { branch: "../x", hour: 24 } }\n');
  assert.equal(r.ok, false);
  assert.deepEqual(!r.ok && r.errors.map((e) => e.path).sort(), ['projects.a.nightly.branch', 'projects.a.nightly.hour']);
});
