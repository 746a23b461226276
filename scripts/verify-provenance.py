#!/usr/bin/env python3
"""Verifies a tagship release's provenance with independent tools from PyPI: the DSSE
signature with securesystemslib, the in-toto Statement and its SLSA Provenance v1 predicate
with in-toto-attestation, then every subject's sha256 against the files on disk.

  verify-provenance.py ENVELOPE PUBLIC_KEY_PEM ARTIFACTS_DIR

ARTIFACTS_DIR holds <target>/<file> (tagship's .tagship/artifacts/<project>/<version>).
Exit 0 when everything holds; 1 with the reason otherwise.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import serialization
from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.v1 import statement as st
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def fail(why: str) -> None:
    print(f"provenance NOT verified: {why}")
    sys.exit(1)


def main() -> None:
    envelope_path, key_path, artifacts = sys.argv[1:4]
    # Files the orchestrator made from the artifacts (SHA256SUMS) are served elsewhere: further
    # folders to look in for a subject the artifacts folder does not have.
    elsewhere = sys.argv[4:]
    with open(envelope_path, "rb") as f:
        envelope = Envelope.from_dict(json.load(f))
    with open(key_path, "rb") as f:
        pem = f.read()
    public = serialization.load_pem_public_key(pem)
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    keyid = hashlib.sha256(der).hexdigest()
    key = SSlibKey.from_crypto(public, keyid=keyid, scheme="ed25519")
    try:
        envelope.verify([key], 1)
    except Exception as e:  # any failure to verify is the answer
        fail(f"signature: {e}")
    if envelope.payload_type != "application/vnd.in-toto+json":
        fail(f"payload type {envelope.payload_type}")

    doc = json.loads(envelope.payload)
    statement = st.Statement.copy_from_pb(json_format.ParseDict(doc, st.spb.Statement()))
    statement.validate()
    if doc["predicateType"] != "https://slsa.dev/provenance/v1":
        fail(f"predicate type {doc['predicateType']}")
    json_format.ParseDict(doc["predicate"], provenance_pb2.Provenance())

    for s in doc["subject"]:
        path = next((p for p in (os.path.join(d, s["name"]) for d in [artifacts, *elsewhere]) if os.path.isfile(p)), "")
        if not path:
            fail(f"{s['name']} is missing")
        with open(path, "rb") as f:
            actual = hashlib.sha256(f.read()).hexdigest()
        if actual != s["digest"]["sha256"]:
            fail(f"{s['name']} has sha256 {actual}, the provenance says {s['digest']['sha256']}")
    deps = doc["predicate"]["buildDefinition"].get("resolvedDependencies", [])
    commit = next((d["digest"].get("gitCommit") for d in deps if "gitCommit" in d.get("digest", {})), None)
    print(f"provenance verified: {len(doc['subject'])} subjects, commit {commit or 'none (working tree)'}, builder {doc['predicate']['runDetails']['builder']['id']}")


if __name__ == "__main__":
    main()
