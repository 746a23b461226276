// Payload encryption: every payload a client or worker sends to Temporal is sealed with
// AES-256-GCM, so the server's history (and anyone reading it) holds ciphertext only. The key
// id rides in the payload's metadata: payloads sealed with an older key stay readable while
// new ones use the current key (rotation by key id). Keys come from the environment:
//   TAGSHIP_CODEC_KEYS="k1:<base64 32 bytes>,k2:<base64 32 bytes>"   TAGSHIP_CODEC_KEY_ID=k2
// Search attributes are never encoded by a codec: keep secrets out of them.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { temporal } = proto;
const ENCODING = 'binary/encrypted';

export interface CodecKeys {
  current: string;
  keys: Record<string, Buffer>;
}

export function parseCodecKeys(env: Record<string, string | undefined>): CodecKeys | null {
  const spec = env.TAGSHIP_CODEC_KEYS;
  if (!spec) return null;
  const keys: Record<string, Buffer> = {};
  for (const part of spec.split(',')) {
    const [id, b64] = part.split(':', 2) as [string, string | undefined];
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!/^[A-Za-z0-9_-]+$/.test(id) || key.length !== 32) throw new Error(`TAGSHIP_CODEC_KEYS: "${id}" must be <id>:<base64 of 32 bytes>, ids of letters, digits, "-" and "_"`);
    keys[id] = key;
  }
  const current = env.TAGSHIP_CODEC_KEY_ID ?? Object.keys(keys).at(-1)!;
  if (!keys[current]) throw new Error(`TAGSHIP_CODEC_KEY_ID is "${current}", which TAGSHIP_CODEC_KEYS does not define`);
  return { current, keys };
}

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly k: CodecKeys) {}

  // Executors turn a throw into a rejection: callers always get a promise, never an exception.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) =>
      resolve(payloads.map((p) => {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', this.k.keys[this.k.current]!, iv);
        const plain = temporal.api.common.v1.Payload.encode(p).finish();
        const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return { metadata: { encoding: Buffer.from(ENCODING), 'encryption-key-id': Buffer.from(this.k.current) }, data: sealed };
      })),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) =>
      resolve(payloads.map((p) => {
        if (Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCODING) return p;
        const id = Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString();
        const key = this.k.keys[id];
        if (!key) throw new Error(`payload sealed with key "${id}", which this process does not have (TAGSHIP_CODEC_KEYS)`);
        const data = Buffer.from(p.data ?? []);
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        decipher.setAuthTag(data.subarray(data.length - 16));
        const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain);
      })),
    );
  }
}

/** The data converter for clients and workers when TAGSHIP_CODEC_KEYS is set; none otherwise. */
export function dataConverterFromEnv(env: Record<string, string | undefined>): { payloadCodecs: PayloadCodec[] } | undefined {
  const keys = parseCodecKeys(env);
  return keys ? { payloadCodecs: [new AesGcmCodec(keys)] } : undefined;
}

