// Puts a file into a staging tree: a hard link where the file system allows (cheap, and times are
// kept, which createrepo_c --update relies on), a copy where it does not. Only for files nothing
// rewrites afterwards.
import { copyFile, link, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function placeFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await link(from, to).catch(() => copyFile(from, to));
}
