// tagship.yml's `checksums` block: a SHA256SUMS over every released file, served with them
// under <repository>/<project>/releases/<version>/ and signed with the project's key (by default
// the key that signs its deb or rpm repository). A release with archive artifacts gets one even
// without the block.
import { z } from 'zod';
import { signingKey } from '../../core/config/signing-key.ts';

export const checksumsConfig = z.strictObject({
  /** The key for SHA256SUMS.asc; defaults to repositories.deb's, then repositories.rpm's. */
  signingKey: signingKey.optional(),
});
