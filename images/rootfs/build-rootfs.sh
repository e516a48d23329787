#!/usr/bin/env bash
# Build the sandbox base image using ONLY the Debian package mirror (no container registry):
# debootstrap a minimal bookworm rootfs, add npm in a second stage (installing npm in the
# debootstrap --include list fails at configure time), then `docker import` it.
#   usage: build-rootfs.sh TAG [MIRROR]
set -euo pipefail
tag="${1:?usage: build-rootfs.sh TAG [MIRROR]}"
mirror="${2:-${SLOP_MIRROR:-http://deb.debian.org/debian}}"
suite="${SLOP_SUITE:-bookworm}"
work="$(mktemp -d /tmp/slopspotter-rootfs.XXXXXX)"
root="$work/root"
cleanup() {
  for m in proc sys dev/pts dev; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
pkgs=python3,python3-venv,python3-pip,strace,nodejs,procps,ca-certificates,iptables,iproute2,git,less,nano,curl,wget,netcat-openbsd,openssh-client
echo "[1/4] debootstrap $suite from $mirror"
debootstrap --variant=minbase --include="$pkgs" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log"; exit 1; }
echo "[2/4] second stage: npm"
mount -t proc proc "$root/proc"
echo "deb $mirror $suite main" > "$root/etc/apt/sources.list"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
  'apt-get update -qq && apt-get install -y -qq --no-install-recommends npm >/dev/null && apt-get clean' \
  || { echo "npm stage failed"; exit 1; }
umount "$root/proc"
echo "[3/4] trimming"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/* \
       "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/log/*.log
echo "[4/4] docker import as $tag"
tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
docker image inspect "$tag" --format '{{.Id}} {{.Size}}'
