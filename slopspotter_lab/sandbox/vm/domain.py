"""Domain XML for one scan VM: 1 vCPU, direct kernel boot, a qcow2 overlay, and the only NIC on
QEMU user-mode networking with restrict=on (no egress at all) plus one SSH forward bound to
127.0.0.1. libvirt 9.0 has no user-net port forwards without passt, so the NIC is passed with
<qemu:commandline>; its PCI slot is fixed so a saved state restores onto the same layout.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from ..base import LABEL

META_NS = "https://slopspotter-lab.invalid/vm"  # namespace of our <metadata> element
NIC_SLOT = "0x10"
MAC = "3c:52:82:4e:91:27"  # a laptop vendor's prefix, not QEMU's giveaway 52:54:00


@dataclass
class DomainSpec:
    name: str
    disk: str
    kernel: str | None  # None: boot the disk's own bootloader (cloud images)
    initrd: str | None
    ssh_port: int
    console_log: str
    owner_pid: int
    boot_id: str
    run_dir: str
    memory_mb: int = 768
    kvm: bool = False
    cmdline: str = "root=/dev/vda rw console=ttyS0 quiet"


def free_port() -> int:
    """A currently free loopback port for the SSH forward (QEMU cannot pick one itself)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def netdev_arg(port: int) -> str:
    return f"user,id=slopnet,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:22"


def domain_xml(spec: DomainSpec) -> str:
    boot = (f"<kernel>{spec.kernel}</kernel><initrd>{spec.initrd}</initrd><cmdline>{spec.cmdline}</cmdline>"
            if spec.kernel else "<boot dev='hd'/>")
    cpu = "<cpu mode='host-passthrough'/>" if spec.kvm else ""
    meta = (f"<slop:owner xmlns:slop='{META_NS}' label='{LABEL}' pid='{spec.owner_pid}' "
            f"boot={quoteattr(spec.boot_id)} rundir={quoteattr(spec.run_dir)}/>")
    return f"""<domain type='{"kvm" if spec.kvm else "qemu"}' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{spec.name}</name>
  <metadata>{meta}</metadata>
  <memory unit='MiB'>{spec.memory_mb}</memory>
  <vcpu>1</vcpu>
  <sysinfo type='smbios'>
    <system><entry name='manufacturer'>LENOVO</entry><entry name='product'>20XW004GUS</entry>
      <entry name='family'>ThinkPad X1 Carbon Gen 9</entry></system>
  </sysinfo>
  <os><type arch='x86_64' machine='pc'>hvm</type>{boot}<smbios mode='sysinfo'/></os>
  <features><acpi/></features>
  {cpu}
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='unsafe' discard='unmap'/>
      <source file={quoteattr(spec.disk)}/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'><source path={quoteattr(spec.console_log)}/><target port='0'/></serial>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-netdev'/><qemu:arg value='{netdev_arg(spec.ssh_port)}'/>
    <qemu:arg value='-device'/><qemu:arg value='virtio-net-pci,netdev=slopnet,mac={MAC},bus=pci.0,addr={NIC_SLOT}'/>
  </qemu:commandline>
</domain>"""


def retarget_saved_xml(xml: str, name: str, disk: str, ssh_port: int, console_log: str,
                       owner_pid: int, boot_id: str, run_dir: str) -> str:
    """The saved machine's XML pointed at this scan's overlay, forward, log and owner."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("qemu", "http://libvirt.org/schemas/domain/qemu/1.0")
    ET.register_namespace("slop", META_NS)
    root = ET.fromstring(xml)
    root.find("name").text = name
    uuid = root.find("uuid")
    if uuid is not None:  # a fresh UUID per scan, so restored machines can run side by side
        root.remove(uuid)
    root.find("./devices/disk/source").set("file", disk)
    for serial in root.findall("./devices/serial") + root.findall("./devices/console"):
        src = serial.find("source")
        if src is not None and src.get("path"):
            src.set("path", console_log)
    owner = root.find(f"./metadata/{{{META_NS}}}owner")
    owner.set("pid", str(owner_pid))
    owner.set("boot", boot_id)
    owner.set("rundir", run_dir)
    for arg in root.iter("{http://libvirt.org/schemas/domain/qemu/1.0}arg"):
        if arg.get("value", "").startswith("user,id=slopnet"):
            arg.set("value", netdev_arg(ssh_port))
    return ET.tostring(root, encoding="unicode")
