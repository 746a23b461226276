// The filesystem artifact store with a fault between the wire and the disk: the bytes of the
// artifacts `pick` names have their first byte flipped on the way in, as a bad link would. The
// store's own check on arrival must refuse them.
import { Transform } from 'node:stream';
import { FsArtifactStore } from '../../providers/artifacts-fs/store.ts';
import type { ArtifactEntry, ArtifactKey } from '../../ports/artifacts.ts';

function flipFirstByte(): Transform {
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (done || !chunk.length) return cb(null, chunk);
      done = true;
      const copy = Buffer.from(chunk);
      copy[0] = copy[0]! ^ 0xff;
      cb(null, copy);
    },
  });
}

export class CorruptingStore extends FsArtifactStore {
  constructor(root: string, private readonly pick: (name: string) => boolean) {
    super(root);
  }

  override put(key: ArtifactKey, name: string, content: NodeJS.ReadableStream, expectedSha256: string, createdAt: string, upload: string): Promise<ArtifactEntry> {
    return super.put(key, name, this.pick(name) ? content.pipe(flipFirstByte()) : content, expectedSha256, createdAt, upload);
  }
}
