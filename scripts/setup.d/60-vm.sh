#!/usr/bin/env bash
# The libvirt/QEMU VM backend: QEMU, libvirt, and the guest image built from the Debian mirror only.
# In a container there is no systemd: virtlogd and libvirtd are started directly when not running.
# The image lands in vm_dir(): /var/lib/slopspotter-lab/vm as root, where the CLI and the tests look
# (override with SLOPSPOTTER_VM_DIR); a second run reuses it (delete it or run `images build vm --force`).
set -euo pipefail
$SUDO apt-get install -y -qq --no-install-recommends qemu-system-x86 qemu-utils libvirt-daemon-system \
    libvirt-clients debootstrap e2fsprogs dosfstools mtools >/dev/null
# libvirt checks /dev/kvm as its QEMU user (libvirt-qemu, group kvm) but probes QEMU's capabilities
# with more rights; when those disagree (a container's /dev/kvm is often root-only 0600) it throws
# its capability cache away and re-probes QEMU (~5 s, serialised) several times per domain start:
# createXML took 57-200 s here and every VM restore timed out. Debian's udev rule (root:kvm 0660)
# makes them agree. Domains still run under TCG unless our own KVM probe boots a guest.
if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
  $SUDO chgrp kvm /dev/kvm && $SUDO chmod 0660 /dev/kvm
fi
if ! pgrep -x virtlogd >/dev/null; then $SUDO virtlogd -d; fi
if ! pgrep -x libvirtd >/dev/null; then $SUDO libvirtd -d; fi
for _ in $(seq 1 30); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 1; done
virsh -c qemu:///system version | tail -1
export SLOPSPOTTER_CACHE_DIR="${SLOPSPOTTER_CACHE_DIR:-$SLOP_ROOT/.cache/test}"
"$SLOP_VENV/bin/python" -m slopspotter_lab images build vm --source mirror ${SLOP_MIRROR:+--mirror "$SLOP_MIRROR"}
