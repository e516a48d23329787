"""`slopspotter-lab images build vm`: the guest image and its pinned SSH keys.

Two sources:
  mirror  debootstrap + the distribution kernel -> qcow2 (images/vm/build-mirror.sh); needs only
          the Debian package mirror, so CI and offline-ish machines can build it;
  cloud   the original path: an Ubuntu cloud image plus a cloud-init seed, provisioned by one boot
          with network (for users with internet), after which the guest's network is cut.
Both write <vm_dir>/image/{base.qcow2, manifest.json, keys/}; the mirror image also has vmlinuz and
initrd.img for direct kernel boot. The keys are made here, so the host key can be pinned.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ... import __version__
from ...errors import InputError
from . import vm_dir

REPO_IMAGES = Path(__file__).resolve().parents[3] / "images" / "vm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
CLOUD_URL = "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img"
GUEST_HOSTNAME = "dev-laptop"
GUEST_USER = "alex"  # the harness's package user (sandbox/jobs.py USER)


def image_dir() -> Path:
    return vm_dir() / "image"


def load_manifest(path: Path | None = None) -> dict | None:
    path = path or image_dir()
    try:
        return json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def make_keys(keydir: Path) -> None:
    """Fresh ed25519 host key (pinned by the host) and client key, OpenSSH format, 0600."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    keydir.mkdir(parents=True, exist_ok=True)
    keydir.chmod(0o700)
    for name, comment in (("ssh_host_ed25519_key", "root@" + GUEST_HOSTNAME), ("client_key", "slopspotter-host")):
        key = Ed25519PrivateKey.generate()
        priv = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, ser.NoEncryption())
        pub = key.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH)
        (keydir / name).write_bytes(priv)
        (keydir / name).chmod(0o600)
        (keydir / f"{name}.pub").write_text(pub.decode() + f" {comment}\n")


def vm_recipe(source: str) -> str:
    """What the image is built from: the recipe files (build script, guest configs) and the source."""
    from ..images import recipe_hash

    return f"{source}-{recipe_hash(REPO_IMAGES)}"


def build_vm_image(source: str = "mirror", mirror: str | None = None, force: bool = False,
                   progress=print) -> Path:
    """Build the VM image into <vm_dir>/image; skipped when one built from the same recipe is there
    (an image from another recipe, or from before images were stamped, is stale: rebuilt)."""
    if source not in ("mirror", "cloud"):
        raise InputError(f"VM images are built from 'mirror' or 'cloud', not {source!r}")
    dest = image_dir()
    manifest = load_manifest(dest)
    want = vm_recipe(source)
    if manifest and not force:
        if manifest.get("recipe") == want:
            progress(f"VM image current ({manifest['source']}, recipe {want}, built {manifest['built']}) in {dest}; "
                     "--force rebuilds")
            return dest
        progress(f"VM image in {dest} is stale (recipe {manifest.get('recipe') or 'unstamped'}, now {want}): rebuilding")
    stage = Path(tempfile.mkdtemp(prefix="image-new.", dir=vm_dir()))
    try:
        make_keys(stage / "keys")
        started = time.monotonic()
        if source == "mirror":
            _build_mirror(stage, mirror or DEFAULT_MIRROR)
            boot = {"kernel": "vmlinuz", "initrd": "initrd.img"}
        else:
            _build_cloud(stage, progress)
            boot = {"kernel": None, "initrd": None}
        (stage / "base.qcow2").chmod(0o444)  # read-only base: every scan writes to its own overlay
        for name in ("vmlinuz", "initrd.img"):
            if (stage / name).exists():
                (stage / name).chmod(0o444)
        doc = {"source": source, "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "build_seconds": round(time.monotonic() - started, 1), "hostname": GUEST_HOSTNAME,
               "user": GUEST_USER, "size_bytes": (stage / "base.qcow2").stat().st_size,
               "id": os.urandom(8).hex(), "recipe": want, "builder_version": __version__,
               "tools": _tool_versions(), **boot}
        (stage / "manifest.json").write_text(json.dumps(doc, indent=1))
        stage.chmod(0o755)
        if dest.exists():
            shutil.rmtree(dest)
        stage.rename(dest)
        progress(f"VM image: {dest} ({doc['size_bytes'] >> 20} MiB, {doc['build_seconds']} s)")
        return dest
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _tool_versions() -> dict:
    """Versions of the host tools that shaped the image (recorded, not compared)."""
    out = {}
    for tool, argv in (("qemu-img", ["qemu-img", "--version"]), ("debootstrap", ["debootstrap", "--version"])):
        try:
            res = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            out[tool] = (res.stdout or res.stderr).splitlines()[0].strip() if res.returncode == 0 else None
        except (OSError, subprocess.SubprocessError, IndexError):
            out[tool] = None
    return out


def _build_mirror(stage: Path, mirror: str) -> None:
    if os.geteuid() != 0:
        raise InputError("the mirror build runs debootstrap and chroot: run it as root")
    for tool in ("debootstrap", "mke2fs", "qemu-img"):
        if not shutil.which(tool):
            raise InputError(f"{tool} is missing (apt-get install debootstrap e2fsprogs qemu-utils)")
    subprocess.run(["bash", str(REPO_IMAGES / "build-mirror.sh"), str(stage), str(stage / "keys"), mirror],
                   check=True)


def cloud_config(keydir: Path) -> tuple[str, str]:
    """cloud-init user-data and meta-data for the cloud path: packages, user, pinned keys, and a
    final network config with no route, applied just before the provisioning boot powers off."""
    host_priv = (keydir / "ssh_host_ed25519_key").read_text()
    host_pub = (keydir / "ssh_host_ed25519_key.pub").read_text().strip()
    client_pub = (keydir / "client_key.pub").read_text().strip()
    network = (REPO_IMAGES / "eth0.network").read_text()
    sshd = (REPO_IMAGES / "sshd_config").read_text()
    doc = {
        "hostname": GUEST_HOSTNAME,
        "ssh_pwauth": False,
        "disable_root": False,
        "ssh_deletekeys": True,
        "ssh_genkeytypes": [],
        "ssh_keys": {"ed25519_private": host_priv, "ed25519_public": host_pub},
        "users": [{"name": "root", "ssh_authorized_keys": [client_pub]},
                  {"name": GUEST_USER, "gecos": "Alex", "shell": "/bin/bash"}],
        "packages": ["python3", "python3-venv", "python3-pip", "strace", "nodejs", "npm", "procps",
                     "iproute2", "iptables", "git", "openssh-server"],
        "write_files": [{"path": "/etc/ssh/sshd_config.d/slop.conf", "content": sshd},
                        {"path": "/etc/systemd/network/10-eth0.network", "content": network}],
        "runcmd": [["rm", "-f", "/etc/netplan/50-cloud-init.yaml"],
                   ["systemctl", "enable", "systemd-networkd"],
                   ["touch", "/etc/cloud/cloud-init.disabled"],
                   ["apt-get", "clean"]],
        "power_state": {"mode": "poweroff", "condition": True},
    }
    user_data = "#cloud-config\n" + json.dumps(doc, indent=1)  # JSON is valid YAML
    meta_data = json.dumps({"instance-id": "i-" + os.urandom(4).hex(), "local-hostname": GUEST_HOSTNAME})
    return user_data, meta_data


def _build_cloud(stage: Path, progress) -> None:
    """Download the cloud image, boot it once WITH network to provision, wait for power-off."""
    import urllib.request

    for tool in ("qemu-img", "qemu-system-x86_64", "mkfs.vfat", "mcopy"):
        if not shutil.which(tool):
            raise InputError(f"{tool} is missing (apt-get install qemu-utils qemu-system-x86 dosfstools mtools)")
    src = stage / "cloud.img"
    progress(f"downloading {CLOUD_URL}")
    with urllib.request.urlopen(CLOUD_URL, timeout=60) as resp, open(src, "wb") as fh:
        shutil.copyfileobj(resp, fh)
    user_data, meta_data = cloud_config(stage / "keys")
    (stage / "user-data").write_text(user_data)
    (stage / "meta-data").write_text(meta_data)
    seed = stage / "seed.img"
    subprocess.run(["truncate", "-s", "2M", str(seed)], check=True)
    subprocess.run(["mkfs.vfat", "-n", "CIDATA", str(seed)], check=True, capture_output=True)
    subprocess.run(["mcopy", "-i", str(seed), str(stage / "user-data"), str(stage / "meta-data"), "::"], check=True)
    subprocess.run(["qemu-img", "convert", "-O", "qcow2", str(src), str(stage / "base.qcow2")], check=True)
    subprocess.run(["qemu-img", "resize", "-q", str(stage / "base.qcow2"), "6G"], check=True)
    progress("provisioning boot (network on, this one time only)")
    from .probe import accel
    subprocess.run(["qemu-system-x86_64", "-accel", accel(), "-m", "2048", "-smp", "1", "-nographic",
                    "-drive", f"file={stage / 'base.qcow2'},if=virtio,format=qcow2",
                    "-drive", f"file={seed},if=virtio,format=raw",
                    "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"],
                   check=True, timeout=3600, stdout=subprocess.DEVNULL)
    for name in ("cloud.img", "seed.img", "user-data", "meta-data"):
        (stage / name).unlink(missing_ok=True)
