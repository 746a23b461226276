// What the checksums pipe hands to the provenance pipe (a subject) and the result. Pure.

/** The name it hands its result on under, and the release record holding the files' text. */
export const CHECKSUMS_HANDOFF = 'checksums';
export const SUMS_FILE = 'SHA256SUMS';

export interface ChecksumsHandoff {
  /** The checksums file's name and sha256. */
  file: string;
  sha256: string;
  /** The fingerprint of the project key that signed it (SHA256SUMS.asc); absent when tagship.yml
   *  names no key. */
  signedBy?: string;
  /** Every release file it lists, and the target it came from: they are served beside it. */
  served: { name: string; target: string }[];
}
