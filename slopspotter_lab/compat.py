"""The original sandbox API (DESIGN 4.6) as thin wrappers over `slopspotter_lab.scan.scan`.

Callers of the first version keep working: `deep_scan_package` returns a `VMScanResult`,
`handle_deep_scan_request` answers the extension's deep-scan payload, and the old debug entry
point still runs:

    python -m slopspotter_lab.compat --package requests --language python --risk low --score 0.0
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from .host.messages import NOT_AVAILABLE, language_to_ecosystem

RISK_PRIOR = {"low": 0.1, "medium": 0.4, "high": 0.8}
SCAN_WEIGHT = 0.7  # in the debug blend the deep scan dominates the heuristic prior


@dataclass
class VMScanResult:
    """The original result record; `to_dict` gives the extension's camelCase shape."""

    package_name: str
    language: str
    is_malicious: bool
    confidence: float
    indicators: list[str] = field(default_factory=list)
    network_connections: list[Any] = field(default_factory=list)
    file_operations: list[Any] = field(default_factory=list)
    process_spawns: list[Any] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "packageName": self.package_name, "language": self.language,
            "isMalicious": self.is_malicious, "confidence": self.confidence,
            "indicators": self.indicators, "networkConnections": self.network_connections,
            "fileOperations": self.file_operations, "processSpawns": self.process_spawns,
            "error": self.error,
        }

    @classmethod
    def from_scan(cls, scan: dict, package_name: str, language: str) -> "VMScanResult":
        """From a scan's JSON (ScanResult.to_dict()), listed as the reporters list it."""
        from .report import scan_lists

        verdict, lists = scan.get("verdict") or {}, scan_lists(scan)
        return cls(package_name=package_name, language=language, is_malicious=bool(verdict.get("is_malicious")),
                   confidence=float(verdict.get("probability") or 0.0), indicators=lists["indicators"],
                   network_connections=lists["network"], file_operations=lists["files"],
                   process_spawns=lists["processes"], error=scan.get("error"))


def check_vm_requirements() -> tuple[bool, str]:
    """(a sandbox backend works here, why) over every backend, not only the VM."""
    from .sandbox import availability

    status = availability()
    working = [name for name, (ok, _) in status.items() if ok]
    if working:
        return True, "sandbox ready: " + ", ".join(working)
    return False, "; ".join(f"{name}: {why}" for name, (_, why) in status.items())


def deep_scan_package(package_name: str, language: str, vm_image_path: str | None = None,
                      timeout: int = 120, context: dict | None = None) -> VMScanResult:
    """Deep-scan one package with `scan()`. A `vm_image_path` asks for the libvirt backend explicitly."""
    from .scan import scan

    eco = language_to_ecosystem(language)
    if eco is None:
        return VMScanResult(package_name, language, False, 0.0, error=NOT_AVAILABLE)
    try:
        result = scan(package_name, ecosystem=eco, backend="libvirt" if vm_image_path else "auto",
                      timeout=float(timeout))
    except Exception as exc:  # the original API reported failures in `error`, never raised
        return VMScanResult(package_name, language, False, 0.0, error=f"deep scan failed: {type(exc).__name__}: {exc}")
    return VMScanResult.from_scan(result.to_dict(), package_name, language)


def test_package_in_vm(package_name: str, language: str, vm_image_path: str | None = None) -> bool:
    """True when the deep scan finds the package malicious (the original's meaning)."""
    return deep_scan_package(package_name, language, vm_image_path).is_malicious


test_package_in_vm.__test__ = False  # not a pytest test, despite its name


def handle_deep_scan_request(payload: dict[str, Any]) -> dict[str, Any]:
    """Answer the extension's deep-scan payload {packageName, language, vmImagePath?}."""
    if not isinstance(payload, dict):
        return {"success": False, "error": "payload must be an object"}
    package = payload.get("packageName")
    language = payload.get("language") or "Python"
    if not isinstance(package, str) or not package.strip():
        return {"success": False, "error": "Package name is required"}
    if not isinstance(language, str) or language_to_ecosystem(language) is None:
        return {"success": False, "error": NOT_AVAILABLE, "heuristicOnly": True}
    result = deep_scan_package(package.strip(), language, payload.get("vmImagePath"))
    if result.error and not result.indicators and not result.is_malicious:
        return {"success": False, "error": result.error, "result": result.to_dict()}
    return {"success": True, "result": result.to_dict()}


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def blend(scan_probability: float | None, risk: str, score: float) -> float:
    """Blend a heuristic prior (score, or the risk level's prior when score is 0) with a scan.

    Weighted log-odds, the scan weighing SCAN_WEIGHT; with no scan the prior stands alone.
    """
    prior = score if score > 0 else RISK_PRIOR.get(risk, 0.1)
    if scan_probability is None:
        return prior
    z = SCAN_WEIGHT * _logit(scan_probability) + (1 - SCAN_WEIGHT) * _logit(prior)
    return 1 / (1 + math.exp(-z))


def debug_report(package: str, language: str, risk: str, score: float,
                 vm_image_path: str | None = None, timeout: float = 120.0) -> dict:
    """The debug entry point's result: the scan, the prior and their blend."""
    if language_to_ecosystem(language) is None:
        return {"packageName": package, "language": language, "error": NOT_AVAILABLE,
                "heuristicRisk": risk, "blendedScore": blend(None, risk, score)}
    result = deep_scan_package(package, language, vm_image_path, int(timeout))
    scan_p = None if result.error and not result.indicators else result.confidence
    blended = blend(scan_p, risk, score)
    return {**result.to_dict(), "heuristicRisk": risk, "heuristicScore": score,
            "blendedScore": round(blended, 4), "blendedMalicious": blended >= 0.5}


def cli_debug(args) -> int:
    report = debug_report(args.package, args.language, args.risk, args.score,
                          getattr(args, "vm_image_path", None), getattr(args, "timeout", 120.0))
    print(json.dumps(report, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m slopspotter_lab.compat",
                                description="Blend a heuristic risk with a deep scan (original debug tool).")
    p.add_argument("--package", required=True)
    p.add_argument("--language", default="python")
    p.add_argument("--risk", choices=sorted(RISK_PRIOR), default="low")
    p.add_argument("--score", type=float, default=0.0)
    p.add_argument("--vm-image-path")
    p.add_argument("--timeout", type=float, default=120.0)
    return cli_debug(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
