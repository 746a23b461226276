# Shared helpers for the bootstrap scripts. Sourced, not executed.
# Every step says what it does; a step that finds its work done says so in one line.

TAGSHIP_ROOT="${TAGSHIP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# The same folders the settings name (core/settings.ts): TAGSHIP_STATE_DIR, TAGSHIP_TOOLS_DIR.
TAGSHIP_STATE="${TAGSHIP_STATE_DIR:-${TAGSHIP_STATE:-$TAGSHIP_ROOT/.tagship}}"
TAGSHIP_TOOLS="${TAGSHIP_TOOLS_DIR:-$TAGSHIP_STATE/tools}"

say()  { printf '\033[1mbootstrap\033[0m %s\n' "$*" >&2; }
ok()   { printf '\033[1mbootstrap\033[0m \033[32m✓\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1mbootstrap\033[0m \033[31m✗\033[0m %s\n' "$*" >&2; exit 1; }

# apt-get install only the packages that are missing; `apt-get update` at most once per run.
APT_UPDATED=0
apt_ensure() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then
    apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# The Debian mirror this machine already uses, read from its apt sources so that no host
# name is written into the repository.
debian_mirror() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $3 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d/debian.sources}; set TAGSHIP_DEBIAN_MIRROR"
  printf '%s\n' "${TAGSHIP_DEBIAN_MIRROR:-$uri}"
}

# Builds <image> for <arch> from a debootstrap minbase rootfs with <packages> (comma-separated),
# cached: the image carries a label with the digest of its recipe and is rebuilt only when the
# recipe changes. `docker load` of a hand-made archive, not `docker import`, so that the image's
# config names its architecture (scripts/lib/rootfs-image.py says why).
debootstrap_image() {
  local image="$1" arch="$2" packages="$3" what="$4" finish="${5:-}" workdir="${6:-/work}"
  local digest have work cache start cas host_bundle
  # The image trusts what this host trusts (scripts/lib/host-cas.py): part of its digest.
  host_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
  cas=$( { cat "$host_bundle" 2>/dev/null || true; } | sha256sum | cut -c1-16)
  # A finishing function (5th argument) changes the rootfs before it is packed: its body counts.
  if [ -n "$finish" ]; then
    digest=$(printf '%s|%s|v3|%s|%s|%s' "$arch" "$packages" "$cas" "$(declare -f "$finish")" "$workdir" | sha256sum | cut -c1-16)
  else
    digest=$(printf '%s|%s|v3|%s' "$arch" "$packages" "$cas" | sha256sum | cut -c1-16)
  fi
  have=$(docker image inspect -f '{{ index .Config.Labels "tagship.image-digest" }}' "$image" 2>/dev/null || true)
  if [ "$have" = "$digest" ]; then
    ok "image $image is current"
    return 0
  fi
  work="$TAGSHIP_STATE/cache/rootfs-$arch-$$"
  cache="$TAGSHIP_STATE/cache/debootstrap-$arch"
  rm -rf "$work"; mkdir -p "$work" "$cache"
  say "building $image ($what) with debootstrap (first run only; a few minutes)"
  start=$SECONDS
  local log="$TAGSHIP_STATE/cache/debootstrap-${image//[\/:]/-}.log"
  debootstrap --arch="$arch" --variant=minbase --cache-dir="$cache" --include="$packages" \
    bookworm "$work" "$(debian_mirror)" > "$log" 2>&1 \
    || { tail -20 "$log" >&2; rm -rf "$work"; die "debootstrap of $image failed (log: $log)"; }
  # Package caches and lists are not needed in an image.
  rm -rf "$work/var/cache/apt/archives/"*.deb "$work/var/lib/apt/lists/"*
  mkdir -p "$work/work"
  [ -z "$finish" ] || "$finish" "$work"
  local added
  added=$(python3 "$TAGSHIP_ROOT/scripts/lib/host-cas.py" "$host_bundle" "$work")
  [ "$added" = 0 ] || say "$image trusts $added certificate(s) this host trusts beyond Debian's"
  ROOTFS_WORKDIR="$workdir" python3 "$TAGSHIP_ROOT/scripts/lib/rootfs-image.py" "$work" "$image" "$arch" "tagship.image-digest=$digest" | docker load >/dev/null \
    || { rm -rf "$work"; die "docker load of $image failed"; }
  rm -rf "$work"
  ok "built $image in $((SECONDS - start))s"
}
