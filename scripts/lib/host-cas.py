"""Make an image trust what this host trusts.

Where the way out goes through a TLS-inspecting proxy (a company's, or this workplace's), the
host's CA bundle holds certificates Debian's does not; builds that fetch through tagship's
egress proxy then fail certificate checks. Every certificate of the host bundle that the
rootfs bundle lacks is added to the rootfs as a local CA (usr/local/share/ca-certificates,
where update-ca-certificates keeps it) and to its bundle. Prints how many were added.

usage: host-cas.py <host bundle> <rootfs>
"""
import os
import re
import sys

PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----", re.S)


def certs(path):
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return [m.group(0).strip() for m in PEM.finditer(f.read())]
    except FileNotFoundError:
        return []


def main(host_bundle, rootfs):
    bundle = os.path.join(rootfs, "etc/ssl/certs/ca-certificates.crt")
    if not os.path.exists(bundle):  # an image without ca-certificates makes no TLS calls
        print(0)
        return
    have = {"".join(c.split()) for c in certs(bundle)}
    extra = [c for c in certs(host_bundle) if "".join(c.split()) not in have]
    if extra:
        local = os.path.join(rootfs, "usr/local/share/ca-certificates")
        os.makedirs(local, exist_ok=True)
        for i, cert in enumerate(extra):
            with open(os.path.join(local, f"tagship-host-{i}.crt"), "w", encoding="ascii") as f:
                f.write(cert + "\n")
        with open(bundle, "a", encoding="ascii") as f:
            f.write("\n" + "\n".join(extra) + "\n")
    print(len(extra))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
