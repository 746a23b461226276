// Runs the independent provenance verifier (scripts/verify-provenance.py on PyPI's
// securesystemslib and in-toto-attestation, installed by the bootstrap): the demo and the tests
// call it the same way.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, TOOLS_DIR } from '../../providers/paths.ts';

/** `elsewhere`: further folders where subjects made from the artifacts (SHA256SUMS) are found. */
export function runProvenanceVerifier(envelope: string, publicKey: string, artifacts: string, ...elsewhere: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('python3', [join(REPO_ROOT, 'scripts', 'verify-provenance.py'), envelope, publicKey, artifacts, ...elsewhere], { env: { ...process.env, PYTHONPATH: join(TOOLS_DIR, 'intoto') } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}`.trim() }),
    );
  });
}
