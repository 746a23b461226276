#!/bin/sh
# The example's test gate: build natively and check what the program prints.
set -eu
make -s build ARCH=amd64 VERSION="${TAGSHIP_VERSION:-0.0.0}"
out=$(./out/amd64/hello-veilid)
[ "$out" = "hello from veilid" ] || { echo "unexpected greeting: $out"; exit 1; }
ver=$(./out/amd64/hello-veilid --version)
[ "$ver" = "hello-veilid ${TAGSHIP_VERSION:-0.0.0}" ] || { echo "unexpected version: $ver"; exit 1; }
echo "tests passed: greeting and version"
