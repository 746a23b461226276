// Checks a fetched tag against a project's allowed keys: the public keys are imported into a
// throwaway GNUPGHOME that holds nothing else, git verify-tag runs against it, and the verdict
// comes from core/tag-signature.ts.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { judgeTagSignature, tagObjectName, type TagSignatureVerdict } from '../../core/tag-signature.ts';
import type { GitMirrors, ResolvedTag } from './mirror.ts';

const run = promisify(execFile);

export async function checkTagSignature(mirrors: GitMirrors, project: string, resolved: ResolvedTag, publicKeyFiles: string[]): Promise<TagSignatureVerdict> {
  const home = await mkdtemp(join(tmpdir(), 'tagship-gnupg-verify-'));
  try {
    const gpg = (args: string[]) => run('gpg', ['--homedir', home, '--batch', '--no-tty', ...args], { encoding: 'utf8' });
    for (const file of publicKeyFiles) {
      await gpg(['--import', file]).catch((err: { stderr?: string }) => {
        throw new Error(`public key ${file} could not be imported: ${(err.stderr ?? '').trim().split('\n').pop()}`);
      });
    }
    const listed = await gpg(['--with-colons', '--list-keys']);
    // The first fpr after each pub line is the primary key's.
    const allowed: string[] = [];
    let wantPrimary = false;
    for (const line of listed.stdout.split('\n')) {
      if (line.startsWith('pub:')) wantPrimary = true;
      else if (line.startsWith('fpr:') && wantPrimary) {
        allowed.push(line.split(':')[9]!);
        wantPrimary = false;
      }
    }
    if (!resolved.tagObject) return judgeTagSignature({ tag: resolved.tag, objectTagName: null, annotated: false, status: '', allowed });
    const objectTagName = tagObjectName(await mirrors.tagObjectText(project, resolved.tagObject));
    const { status } = await mirrors.verifyTag(project, resolved.tagObject, home);
    return judgeTagSignature({ tag: resolved.tag, objectTagName, annotated: true, status, allowed });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
