// The release pipeline: every release — packages, a container app, or both — walks this one
// list in order; each pipe says whether it applies (pipes/pipe.ts). Adding a publisher, an
// artifact kind's step or a release mode is a folder under pipes/ and one line here.
// Workflow code.
import type { Pipe } from './pipe.ts';
import { appImage, appQaCheck } from './app/step.ts';
import { velocitas } from './velocitas/step.ts';
import { retry } from './retry/step.ts';
import { environments } from './environments/step.ts';
import { testGate } from './test-gate/step.ts';
import { builds } from './builds/step.ts';
import { provisioning } from './provisioning/step.ts';
import { checksums } from './checksums/step.ts';
import { provenance } from './provenance/step.ts';
import { crates } from './crates/step.ts';
import { python } from './python/step.ts';
import { repositories } from './repositories/step.ts';
import { forge } from './forge/step.ts';

export const PIPELINE: readonly Pipe[] = [
  appQaCheck, // a container app ships only a commit its CI passed: checked before anything runs
  velocitas, // a Velocitas app's AppManifest and desired state, signed: a bad one fails before anything is pushed
  retry, // a retry learns what earlier runs finished
  environments, // toolchains from the commit's Dockerfiles, built once per content
  provisioning, // machines made ready while the gate runs, when the project (or the worker) says so
  testGate,
  builds,
  checksums, // before provenance, which lists SHA256SUMS
  provenance, // signed before anything is published
  crates, // publishers, in publish order: crates in dependency order, then the Python package
  python,
  repositories, // signed repositories and the release files, deployed atomically
  forge, // the tag's forge release: notes and the release files as assets
  appImage, // the version tag by digest, the chart, the QA report (and the files pipes added)
];
