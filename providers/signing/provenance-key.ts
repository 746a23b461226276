// The orchestrator's provenance key: Ed25519, made once into the state folder (mode 600) unless
// TAGSHIP_PROVENANCE_KEY (the settings' provenanceKeyFile) names a PKCS#8 PEM file; its public half is written beside it
// (<name>.pub.pem). Builds never see it. Its key id is the sha256 of the public key's DER
// (SubjectPublicKeyInfo), which a verifier computes itself.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProvenanceKey {
  privateKey: KeyObject;
  publicPem: string;
  keyid: string;
}

export function provenanceKey(stateDir: string, file?: string): ProvenanceKey {
  const path = file ?? join(stateDir, 'provenance-key.pem');
  if (!existsSync(path)) {
    if (file) throw new Error(`TAGSHIP_PROVENANCE_KEY names ${file}, which does not exist`);
    mkdirSync(stateDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const privateKey = createPrivateKey(readFileSync(path));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // The public half beside it, for whoever verifies provenance on this host.
  writeFileSync(path.replace(/(\.pem)?$/, '.pub.pem'), publicPem);
  return { privateKey, publicPem, keyid: createHash('sha256').update(der).digest('hex') };
}
