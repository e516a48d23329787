"""The `slopspotter-lab` command (DESIGN 4.1). Argument parsing only; each subcommand's work is a
`cli_*(args) -> int` function in the module that owns it, imported lazily so `host` and
`check` start fast.

Exit codes: 0 ran (whatever it found), 1 internal error, 2 usage or input error,
3 requested backend unavailable.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from . import __version__
from .errors import SlopspotterError

# subcommand -> "module:function"
HANDLERS = {
    "check": "slopspotter_lab.check:cli_check",
    "scan": "slopspotter_lab.scan:cli_scan",
    "batch": "slopspotter_lab.batch.cli:cli_batch",
    "host": "slopspotter_lab.host.native:cli_host",
    "install-manifests": "slopspotter_lab.host.manifests:cli_install_manifests",
    "images": "slopspotter_lab.sandbox.images:cli_images",
    "doctor": "slopspotter_lab.sandbox.doctor:cli_doctor",
    "cleanup": "slopspotter_lab.sandbox.cleanup:cli_cleanup",
    "data": "slopspotter_lab.heuristics.popular:cli_data",
    "debug-scan": "slopspotter_lab.compat:cli_debug",
    "config": "slopspotter_lab.policy:cli_config",
    "mcp": "slopspotter_lab.mcp_server:cli_mcp",
    "guard": "slopspotter_lab.guard:cli_guard",
}

BACKENDS = ["auto", "docker", "gvisor", "libvirt", "none"]


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


FAIL_ON = ["low", "medium", "high", "never"]


def _policy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE",
                   help="policy file (default: .slopspotter.toml or pyproject.toml [tool.slopspotter], "
                        "found walking up from the current directory)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="slopspotter-lab",
        description="Is this package name safe to install? Heuristics and traced deep scans.",
    )
    p.add_argument("--version", action="version", version=f"slopspotter-lab {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging on stderr")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_check_parser, _guard_parser, _scan_parser, _batch_parser, _host_parsers, _manifest_parser,
                _images_parser, _doctor_parser, _config_parser, _cleanup_parser, _data_parser, _debug_parser):
        add(sub)
    return p


def _check_parser(sub) -> None:
    """`check`: names, files and text, with the policy options."""
    c = sub.add_parser("check", help="heuristic check of package names (fast, no sandbox)")
    # NAME arguments are validated by parse_spec, so "--index-url=x" after "--" is refused
    # with a clear message instead of being taken for an option.
    c.add_argument("names", nargs="*", metavar="NAME", help="package names, optionally with version, or local artifact paths")
    c.add_argument("--from", dest="from_file", metavar="CSV", help="also read names from a CSV (columns name, optional ecosystem, version)")
    c.add_argument("-r", "--requirement", dest="requirements", action="append", metavar="FILE",
                   help="check a requirements file (nested -r/-c followed); manifests and lockfiles can be given as NAME")
    c.add_argument("--text", action="append", metavar="FILE|-",
                   help="check the packages of every install command in a file (Markdown, chat, script, Dockerfile, notebook; - = stdin)")
    c.add_argument("--ecosystem", "-e", default="pypi", help="pypi or npm (default: pypi)")
    c.add_argument("--offline", action="store_true", help="no network at all: name-only heuristics")
    c.add_argument("--format", "-f", choices=["table", "json", "csv", "sarif"], default="table")
    c.add_argument("--fail-on", choices=FAIL_ON, help="exit 1 if any result not ignored is at least this risky "
                   "(default: the policy file's fail-on)")
    c.add_argument("--workers", type=_positive_int, default=8, help="concurrent registry look-ups")
    _policy_args(c)
    c.add_argument("--only-new", action="store_true",
                   help="check only dependencies the working tree adds or re-versions relative to --base "
                        "(NAMEs are then dependency files; none: every changed one)")
    c.add_argument("--base", metavar="REF", help="git ref to compare with for --only-new (e.g. origin/main, HEAD)")


def _guard_parser(sub) -> None:
    """`guard`: check an install command, then run it only if safe."""
    g = sub.add_parser("guard", help="check what an install command would bring in, then run it only if safe",
                       usage="slopspotter-lab guard [--fail-on RISK] [--allow-unverified] [--deep] -- pip install ...")
    g.add_argument("--fail-on", choices=["low", "medium", "high"], default="high",
                   help="block the install if any package is at least this risky (default: high)")
    g.add_argument("--allow-unverified", action="store_true",
                   help="run the install even if some packages could not be checked (exit 5 instead of 0)")
    g.add_argument("--deep", action="store_true", help="also sandbox-scan new, unpopular packages before installing")
    g.add_argument("--dry-run", action="store_true", help="check only; never run the command")
    g.add_argument("--print-alias", choices=["bash", "zsh", "fish"], help="print shell functions that guard pip/npm/... and exit")
    g.add_argument("--format", "-f", choices=["text", "json"], default="text", help="json: the verdict on stdout")
    g.add_argument("--workers", type=_positive_int, default=8, help="concurrent registry look-ups")
    _policy_args(g)
    g.add_argument("install_command", nargs=argparse.REMAINDER, metavar="-- CMD ...")


def _scan_parser(sub) -> None:
    """`scan`: one deep scan in a sandbox."""
    s = sub.add_parser("scan", help="deep scan: install and import inside a sandbox, traced")
    s.add_argument("target", metavar="NAME|PATH")
    s.add_argument("--ecosystem", "-e", default="pypi")
    s.add_argument("--version", dest="pkg_version", metavar="V")
    s.add_argument("--backend", "-b", choices=BACKENDS, default="auto")
    s.add_argument("--timeout", type=_positive_float, default=120.0, help="overall deadline in seconds")
    s.add_argument("--format", "-f", choices=["table", "json", "sarif"], default="table")
    s.add_argument("--fail-on", choices=FAIL_ON)
    _policy_args(s)
    s.add_argument("--trace-mode", choices=["strace", "gvisor"], default=None,
                   help="how to trace (gvisor backend only: its own syscall log, invisible to the package)")


def _batch_parser(sub) -> None:
    """`batch`: a CSV of names, resumable."""
    b = sub.add_parser("batch", help="scan a CSV of names (columns name, ecosystem, optional version)")
    b.add_argument("input", metavar="IN.csv")
    b.add_argument("--out", required=True, metavar="OUT.(parquet|csv|jsonl)")
    b.add_argument("--mode", choices=["check", "scan"], default="scan")
    b.add_argument("--backend", "-b", choices=BACKENDS, default="auto")
    b.add_argument("--workers", type=_positive_int, default=1)
    b.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786)")
    b.add_argument("--resume", action="store_true", help="continue an interrupted batch, skipping finished rows")
    b.add_argument("--timeout", type=_positive_float, default=120.0)
    b.add_argument("--store", metavar="DIR", help="results store directory (default: next to --out)")
    b.add_argument("--no-progress", action="store_true")


def _host_parsers(sub) -> None:
    """`host` and `mcp`: the servers other programs start."""
    sub.add_parser("host", help="the native messaging host (framed JSON on stdin/stdout)")
    sub.add_parser("mcp", help="MCP server for coding agents (stdio; needs the mcp extra)")


def _manifest_parser(sub) -> None:
    """`install-manifests`: register the native host with a browser."""
    m = sub.add_parser("install-manifests", help="register the native host with a browser")
    m.add_argument("browser", choices=["firefox", "chrome", "chromium", "edge", "all"])
    m.add_argument("--extension-id", action="append", dest="extension_ids", metavar="ID",
                   help="allowed extension (default: the reference extension in extension/)")
    m.add_argument("--uninstall", action="store_true", help="remove what the same options wrote")
    m.add_argument("--system", action="store_true", help="system-wide instead of per user")
    m.add_argument("--profile-dir", metavar="DIR",
                   help="Chromium/Chrome/Edge started with --user-data-dir DIR: write DIR/NativeMessagingHosts")
    m.add_argument("--host-path", help="executable the browser starts (default: this install's)")


def _images_parser(sub) -> None:
    """`images build`: the sandbox images."""
    i = sub.add_parser("images", help="build the sandbox images")
    isub = i.add_subparsers(dest="images_command", metavar="ACTION")
    ib = isub.add_parser("build", help="build images (python, node, vm or all)")
    ib.add_argument("which", nargs="?", choices=["python", "node", "vm", "all"], default="all")
    ib.add_argument("--source", choices=["mirror", "registry", "cloud"], default="mirror",
                    help="mirror: only the distribution mirror (debootstrap); registry: FROM python:slim; cloud: Ubuntu cloud image (vm)")
    ib.add_argument("--mirror", help="distribution mirror URL")
    ib.add_argument("--force", action="store_true")


def _doctor_parser(sub) -> None:
    """`doctor`: which backends work here."""
    doc = sub.add_parser("doctor", help="which backends work here, and why not")
    doc.add_argument("--quick", action="store_true", help="skip starting a VM from its saved state")


def _config_parser(sub) -> None:
    """`config show`: the policy file in force."""
    cf = sub.add_parser("config", help="the team policy file in force ([tool.slopspotter] / .slopspotter.toml)")
    cfsub = cf.add_subparsers(dest="config_command", metavar="ACTION")
    cs = cfsub.add_parser("show", help="print the policy in force and where it came from")
    cs.add_argument("--format", "-f", choices=["text", "json"], default="text")
    _policy_args(cs)


def _cleanup_parser(sub) -> None:
    """`cleanup`: stray sandboxes and temp files."""
    cl = sub.add_parser("cleanup", help="remove stray containers, VMs, overlays and temp files")
    cl.add_argument("--all", action="store_true", help="also remove leftovers whose owner still runs")


def _data_parser(sub) -> None:
    """`data`: the popular lists and OSV export."""
    d = sub.add_parser("data", help="popular-package reference lists")
    dsub = d.add_subparsers(dest="data_command", metavar="ACTION")
    du = dsub.add_parser("update", help="refresh the popular lists from upstream")
    du.add_argument("--source", choices=["auto", "web", "registry"], default="auto")
    du.add_argument("--osv", action="append", metavar="ECOSYSTEM",
                    help="instead: download OSV's export of ECOSYSTEM (pypi, npm) and keep its malware advisories")
    dsub.add_parser("info", help="where the lists are read from, and how old they are")


def _debug_parser(sub) -> None:
    """`debug-scan`: the original debug entry point."""
    dbg = sub.add_parser("debug-scan", help="the original debug entry point: blend a heuristic risk with a deep scan")
    dbg.add_argument("--package", required=True)
    dbg.add_argument("--language", default="python")
    dbg.add_argument("--risk", choices=["low", "medium", "high"], default="low")
    dbg.add_argument("--score", type=float, default=0.0)
    dbg.add_argument("--vm-image-path")
    dbg.add_argument("--timeout", type=_positive_float, default=120.0)


def _load_handler(command: str):
    module_name, func_name = HANDLERS[command].split(":")
    return getattr(importlib.import_module(module_name), func_name)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(_load_handler(args.command)(args) or 0)
    except SlopspotterError as exc:
        print(f"slopspotter-lab: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("slopspotter-lab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # internal error: say so plainly, traceback on request
        if os.environ.get("SLOPSPOTTER_DEBUG"):
            raise
        print(f"slopspotter-lab: internal error: {type(exc).__name__}: {exc} "
              "(set SLOPSPOTTER_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
