// The signed-tag verdict from gpg's status lines: only a good signature by an allowed key on a
// tag object made for this very tag passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeTagSignature, tagObjectName } from '../../core/tag-signature.ts';

const ALLOWED = 'A'.repeat(40);
const OTHER = 'B'.repeat(40);
const good = (fpr: string) => `[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG ${fpr.slice(-16)} someone\n[GNUPG:] VALIDSIG ${fpr} 2026-11-25 1764000000 0 4 0 1 10 00 ${fpr}\n`;
const base = { tag: 'v1.0.0', objectTagName: 'v1.0.0', annotated: true, allowed: [ALLOWED] };

test('a good signature by an allowed key passes, naming the key', () => {
  assert.deepEqual(judgeTagSignature({ ...base, status: good(ALLOWED) }), { ok: true, fingerprint: ALLOWED });
});

test('everything else is refused with the reason and the fix', () => {
  const cases: [Partial<typeof base> & { status: string }, RegExp][] = [
    [{ status: good(OTHER) }, new RegExp(`signed by key ${OTHER}, which is not an allowed key`)],
    [{ status: `[GNUPG:] ERRSIG ${OTHER.slice(-16)} 1 10 00 1764000000 9 -\n[GNUPG:] NO_PUBKEY ${OTHER.slice(-16)}\n` }, /signed by key B{16}, which is not an allowed key/],
    [{ status: `[GNUPG:] BADSIG ${ALLOWED.slice(-16)} someone\n` }, /does not match its content/],
    [{ status: `[GNUPG:] EXPKEYSIG ${ALLOWED.slice(-16)} someone\n` }, /expired or revoked/],
    [{ status: '' }, /is not signed/],
    [{ annotated: false, status: '' }, /lightweight tag/],
    // A signed object made for v0.9.0, pushed again as v1.0.0.
    [{ objectTagName: 'v0.9.0', status: good(ALLOWED) }, /points at a tag object made for "v0\.9\.0"/],
    // GOODSIG without VALIDSIG (no fingerprint to check) is not enough.
    [{ status: `[GNUPG:] GOODSIG ${ALLOWED.slice(-16)} someone\n` }, /is not signed/],
  ];
  for (const [facts, reason] of cases) {
    const v = judgeTagSignature({ ...base, ...facts });
    assert.equal(v.ok, false, JSON.stringify(facts));
    if (!v.ok) {
      assert.match(v.reason, reason);
      assert.match(v.reason, /git tag -s/);
    }
  }
});

test('the tag name is read from the object header, not from its message', () => {
  assert.equal(tagObjectName('object abc\ntype commit\ntag v1.2.3\ntagger x\n\nmessage\ntag v9.9.9\n'), 'v1.2.3');
  assert.equal(tagObjectName('object abc\ntype commit\n\ntag v9.9.9\n'), null);
});
