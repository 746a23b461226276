// DSSE envelopes (the signature wrapper in-toto attestations travel in), signed and verified
// with the orchestrator's Ed25519 key: provenance and QA records are both made this way, so
// the place they are kept (a folder, a bucket) is never what vouches for them.
import { verify, sign, type KeyObject } from 'node:crypto';
import { dssePae } from '../../core/provenance.ts';
import type { ProvenanceKey } from './provenance-key.ts';

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export function signEnvelope(key: Pick<ProvenanceKey, 'privateKey' | 'keyid'>, payloadType: string, value: unknown): DsseEnvelope {
  const payload = Buffer.from(JSON.stringify(value));
  const sig = sign(null, dssePae(payloadType, payload), key.privateKey);
  return { payloadType, payload: payload.toString('base64'), signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] };
}

/** The envelope's payload, parsed, when one of its signatures is `keyid`'s over exactly these
 *  bytes and type; otherwise why not. */
export function openEnvelope(envelope: unknown, key: { publicKey: KeyObject; keyid: string }, payloadType: string): { value: unknown } | { problem: string } {
  const e = envelope as Partial<DsseEnvelope> | null;
  if (!e || typeof e.payload !== 'string' || typeof e.payloadType !== 'string' || !Array.isArray(e.signatures)) return { problem: 'is not a signed envelope (DSSE)' };
  if (e.payloadType !== payloadType) return { problem: `holds a ${e.payloadType}, not a ${payloadType}` };
  const payload = Buffer.from(e.payload, 'base64');
  const pae = dssePae(e.payloadType, payload);
  const signed = e.signatures.some((s) => s && s.keyid === key.keyid && typeof s.sig === 'string' && verify(null, pae, key.publicKey, Buffer.from(s.sig, 'base64')));
  if (!signed) return { problem: `carries no valid signature by this orchestrator's key ${key.keyid.slice(0, 16)}…: its bytes changed after it was signed, or another key signed it` };
  try {
    return { value: JSON.parse(payload.toString('utf8')) as unknown };
  } catch {
    return { problem: 'holds a payload that is not JSON' };
  }
}
