#!/usr/bin/env python3
"""Streams a root filesystem to `docker load` as a one-layer image whose config names the
right architecture. `docker import --platform` is ignored by Docker 20.10 (every import says
amd64), and the engine's builder gives an image the architecture of its base: an arm64 app
image needs an arm64 base that says so.

usage: rootfs-image.py <rootfs-dir> <image:tag> <arch> [LABEL=value ...]   (pipe into docker load)
ROOTFS_WORKDIR: the image's working folder (default /work)
"""
import hashlib, io, json, os, subprocess, sys, tarfile, tempfile

def main() -> None:
    rootfs, image, arch, *labels = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        layer = os.path.join(tmp, "layer.tar")
        subprocess.run(["tar", "-C", rootfs, "--numeric-owner", "-cf", layer, "."], check=True)
        h = hashlib.sha256()
        with open(layer, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        config = json.dumps({
            "architecture": arch,
            "os": "linux",
            "config": {
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "WorkingDir": os.environ.get("ROOTFS_WORKDIR", "/work"),
                "Labels": dict(l.split("=", 1) for l in labels),
            },
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h.hexdigest()]},
        }).encode()
        config_name = hashlib.sha256(config).hexdigest() + ".json"
        manifest = json.dumps([{"Config": config_name, "RepoTags": [image], "Layers": ["layer/layer.tar"]}]).encode()
        with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as out:
            for name, data in ((config_name, config), ("manifest.json", manifest)):
                info = tarfile.TarInfo(name); info.size = len(data)
                out.addfile(info, io.BytesIO(data))
            out.add(layer, arcname="layer/layer.tar")

main()
