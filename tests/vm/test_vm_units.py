"""VM backend pieces that need no engine: domain XML isolation, state retargeting, the libvirt
save-file split, cloud-init config with the pinned key, and what check_vm_requirements names."""

import struct
import xml.etree.ElementTree as ET

import pytest

from slopspotter_lab.sandbox.vm.domain import DomainSpec, domain_xml, retarget_saved_xml

QEMU_NS = "{http://libvirt.org/schemas/domain/qemu/1.0}"


def _spec(**kw):
    base = dict(name="slopspotter-vm-t", disk="/x/disk.qcow2", kernel="/x/vmlinuz", initrd="/x/initrd.img",
                ssh_port=40022, console_log="/x/console.log", owner_pid=123, boot_id="b-1", run_dir="/x")
    base.update(kw)
    return DomainSpec(**base)


def test_domain_has_one_restricted_nic_forwarded_on_loopback_only():
    root = ET.fromstring(domain_xml(_spec()))
    assert root.find("./devices/interface") is None  # no libvirt-managed NIC at all
    args = [a.get("value") for a in root.iter(QEMU_NS + "arg")]
    netdevs = [a for a in args if a.startswith("user,")]
    assert len(netdevs) == 1
    assert "restrict=on" in netdevs[0] and "hostfwd=tcp:127.0.0.1:40022-10.0.2.15:22" in netdevs[0]
    assert "52:54:00" not in " ".join(args)
    assert root.find("vcpu").text == "1" and root.get("type") == "qemu"
    assert root.find("./os/kernel").text == "/x/vmlinuz"


def test_kvm_domain_and_bootloader_domain():
    root = ET.fromstring(domain_xml(_spec(kvm=True, kernel=None, initrd=None)))
    assert root.get("type") == "kvm" and root.find("./os/kernel") is None and root.find("./os/boot") is not None


def test_retarget_gives_new_name_disk_port_owner_and_no_uuid():
    saved = domain_xml(_spec()).replace("<name>", "<uuid>0b0e54c6-4f3c-4c9a-9f0e-4a2f6bf0c0aa</uuid><name>", 1)
    out = ET.fromstring(retarget_saved_xml(saved, "slopspotter-vm-new", "/r/disk.qcow2", 41000, "/r/c.log",
                                           999, "b-2", "/r"))
    assert out.find("uuid") is None and out.find("name").text == "slopspotter-vm-new"
    assert out.find("./devices/disk/source").get("file") == "/r/disk.qcow2"
    assert out.find("./devices/serial/source").get("path") == "/r/c.log"
    owner = out.find("./metadata/{https://slopspotter-lab.invalid/vm}owner")
    assert owner.get("pid") == "999" and owner.get("rundir") == "/r"
    args = [a.get("value") for a in out.iter(QEMU_NS + "arg")]
    assert any("127.0.0.1:41000-" in a for a in args) and not any(":40022-" in a for a in args)


def test_strip_libvirt_header(tmp_path):
    from slopspotter_lab.sandbox.vm.state import strip_libvirt_header

    xml = b"<domain/>" + b"\0" * 100
    head = b"LibvirtQemudSave" + struct.pack("<5I", 2, len(xml), 1, 0, 0) + b"\0" * 56
    assert len(head) == 92
    (tmp_path / "s").write_bytes(head + xml + b"QEVM\0\0\0\x03rest")
    strip_libvirt_header(tmp_path / "s", tmp_path / "o")
    assert (tmp_path / "o").read_bytes() == b"QEVM\0\0\0\x03rest"
    (tmp_path / "bad").write_bytes(head + xml + b"junk")
    with pytest.raises(RuntimeError):
        strip_libvirt_header(tmp_path / "bad", tmp_path / "o2")


def test_cloud_config_pins_generated_host_key(tmp_path):
    pytest.importorskip("cryptography")
    import json

    from slopspotter_lab.sandbox.vm.image import cloud_config, make_keys

    make_keys(tmp_path)
    assert oct((tmp_path / "client_key").stat().st_mode & 0o777) == "0o600"
    user_data, meta = cloud_config(tmp_path)
    assert user_data.startswith("#cloud-config\n")
    doc = json.loads(user_data.split("\n", 1)[1])
    assert doc["ssh_pwauth"] is False and doc["ssh_genkeytypes"] == []
    assert doc["ssh_keys"]["ed25519_public"] == (tmp_path / "ssh_host_ed25519_key.pub").read_text().strip()
    assert "python3" in doc["packages"] and "npm" in doc["packages"] and "strace" in doc["packages"]
    assert doc["hostname"] == json.loads(meta)["local-hostname"] == "dev-laptop"
    net = [f for f in doc["write_files"] if f["path"].endswith(".network")][0]["content"]
    keys = {l.split("=")[0] for l in net.splitlines() if "=" in l and not l.startswith("#")}
    assert "Gateway" not in keys and "DNS" not in keys and "Address" in keys


def test_requirements_name_the_missing_image(tmp_path, monkeypatch):
    from slopspotter_lab.sandbox.vm.probe import check_vm_requirements

    monkeypatch.setenv("SLOPSPOTTER_VM_DIR", str(tmp_path / "vm"))
    monkeypatch.setenv("SLOPSPOTTER_VM_ACCEL", "tcg")
    ok, why = check_vm_requirements()
    assert not ok and "images build vm" in why


def test_build_refuses_unknown_source():
    from slopspotter_lab.errors import InputError
    from slopspotter_lab.sandbox.vm.image import build_vm_image

    with pytest.raises(InputError):
        build_vm_image(source="registry")


def test_vm_image_is_reused_only_when_its_recipe_stamp_is_current(tmp_path, monkeypatch):
    import json

    from slopspotter_lab.sandbox.vm import image as img

    monkeypatch.setenv("SLOPSPOTTER_VM_DIR", str(tmp_path / "vm"))
    (tmp_path / "vm" / "image").mkdir(parents=True)
    manifest = {"source": "mirror", "built": "2026-01-01T00:00:00Z", "recipe": img.vm_recipe("mirror"), "id": "x"}
    (tmp_path / "vm" / "image" / "manifest.json").write_text(json.dumps(manifest))
    built = []
    monkeypatch.setattr(img, "_build_mirror", lambda stage, mirror: built.append(stage) or (_ for _ in ()).throw(
        RuntimeError("would build")))
    said = []
    assert img.build_vm_image(progress=said.append) == tmp_path / "vm" / "image" and not built
    assert "current" in said[-1]
    for stale in ({**manifest, "recipe": "mirror-0000"}, {k: v for k, v in manifest.items() if k != "recipe"}):
        (tmp_path / "vm" / "image" / "manifest.json").write_text(json.dumps(stale))
        with pytest.raises(RuntimeError, match="would build"):
            img.build_vm_image(progress=said.append)
        assert "stale" in said[-1] and len(built) == (1 if "recipe" in stale else 2)
    assert (tmp_path / "vm" / "image" / "manifest.json").exists()  # a failed rebuild keeps the old image


def test_recipe_hash_follows_the_files(tmp_path):
    from slopspotter_lab.sandbox.images import recipe_hash

    d = tmp_path / "vm"
    d.mkdir()
    (d / "build.sh").write_text("echo 1\n")
    first = recipe_hash(d)
    assert recipe_hash(d) == first
    (d / "build.sh").write_text("echo 2\n")
    assert recipe_hash(d) != first
    (d / "build.sh").write_text("echo 1\n")
    (d / "extra.conf").write_text("")
    assert recipe_hash(d) != first


def test_state_key_names_image_accelerator_and_host_versions():
    from slopspotter_lab.sandbox.vm.state import state_key

    key = state_key({"id": "abc"}, False, {"qemu": "7.2.22", "libvirt": "9.0.0"})
    assert key.startswith("abc-tcg-") and "q7.2.22" in key and "l9.0.0" in key
    assert key != state_key({"id": "abc"}, False, {"qemu": "8.0.0", "libvirt": "9.0.0"})
