// Opening a file a build made, as openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) would: from
// the build's root folder, one component at a time, each opened with O_NOFOLLOW through the
// descriptor of the folder before it (/proc/self/fd/<fd>/<name>), so no symbolic link on any
// component is followed, nothing leads outside the root, and a folder swapped for a link
// between two steps is refused rather than followed. The caller then checks, hashes and
// copies from the one descriptor it got: what was checked is what is read.
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, type FileHandle } from 'node:fs/promises';

const { O_RDONLY, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;
const O_PATH_LIKE = O_RDONLY | O_NOFOLLOW | O_DIRECTORY;

export class ConfinedPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
  }
}

/** Why `path` cannot name a file under a root, or null: relative, no empty, "." or ".."
 *  component, no control character, and not absurdly long. Pure. */
export function confinedPathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (Buffer.byteLength(path) > 4096) return 'is longer than 4096 bytes';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'has a control character (a newline, tab or escape) in its name';
  if (path.includes('\uFFFD')) return 'has a name that is not valid UTF-8';
  if (path.startsWith('/')) return 'is absolute';
  const parts = path.split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return 'has an empty, "." or ".." component';
  if (parts.some((p) => Buffer.byteLength(p) > 255)) return 'has a component longer than 255 bytes';
  return null;
}

function describe(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Opens `path` (relative) under the folder `root` without following any link. Resolves to the
 *  open file and its stat, taken from the same descriptor. */
export async function openConfined(root: string, path: string): Promise<{ file: FileHandle; stat: Stats }> {
  const bad = confinedPathProblem(path);
  if (bad) throw new ConfinedPathError(path, bad);
  const parts = path.split('/');
  let dir = await open(root, O_PATH_LIKE);
  try {
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const through = `/proc/self/fd/${dir.fd}/${part}`;
      // O_NONBLOCK: a named pipe opens at once (and is then refused) instead of waiting for a writer.
      const next = await open(through, last ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK : O_PATH_LIKE).catch(async (err: NodeJS.ErrnoException) => {
        const shown = parts.slice(0, i + 1).join('/');
        // ELOOP, or ENOTDIR for a folder's component: a link (or a file where a folder should
        // be). Refused either way; the lstat only words the message.
        if (err.code === 'ELOOP' || err.code === 'ENOTDIR') {
          const link = await lstat(through).then((st) => st.isSymbolicLink(), () => false);
          // The link's own text (never followed) tells the user which file to name instead.
          const to = link ? await readlink(through).then((t) => ` (to ${JSON.stringify(t).slice(1, -1).slice(0, 200)})`, () => '') : '';
          if (last) throw new ConfinedPathError(path, `is a symbolic link${to}`);
          throw new ConfinedPathError(path, `is reached through ${shown}, ${link ? `a symbolic link${to}` : 'which is not a folder'}`);
        }
        if (err.code === 'ENOENT') throw new ConfinedPathError(path, 'does not exist');
        if (err.code === 'ENXIO') throw new ConfinedPathError(path, 'is a socket or a device');
        throw err;
      });
      await dir.close();
      dir = next;
    }
    const stat = await dir.stat();
    if (!stat.isFile()) throw new ConfinedPathError(path, `is ${describe(stat)}`);
    return { file: dir, stat };
  } catch (err) {
    await dir.close().catch(() => undefined);
    throw err;
  }
}
