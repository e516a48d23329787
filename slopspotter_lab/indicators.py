"""The one record every detector, static or dynamic, reports: what it saw and how bad it is.

Indicator ids are stable strings (`typosquat`, `honeytoken_read`, ...): the model file keys its
weights on them, so renaming one is a contract change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Indicator:
    id: str
    severity: str
    evidence: str
    source: str = "heuristic"  # "heuristic" | "static" | "dynamic"
    phase: str | None = None  # for dynamic indicators: install | import | execute | after
    weight: float | None = None  # filled in by the model: how much it pushed the score
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        """Contract shape {id, severity, evidence} plus optional context keys."""
        out = {"id": self.id, "severity": self.severity, "evidence": self.evidence}
        if self.source != "heuristic":
            out["source"] = self.source
        if self.phase:
            out["phase"] = self.phase
        if self.weight is not None:
            out["weight"] = round(self.weight, 4)
        if self.extra:
            out["extra"] = self.extra
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Indicator":
        keys = {k: d[k] for k in ("id", "severity", "evidence", "source", "phase", "weight", "extra") if k in d}
        return cls(**keys)


@dataclass(frozen=True)
class IndicatorSpec:
    """What one indicator id means: declared once here, read by the model, docs, SARIF, tests."""

    id: str
    source: str  # "heuristic" (name/metadata) | "static" (artifact contents) | "dynamic" (sandbox trace)
    severity: str  # the default severity; a detector may report another for a weaker/stronger match
    description: str
    feature: str = ""  # the model feature it feeds (its own id unless set)

    def __post_init__(self):
        if self.severity not in SEVERITY_RANK or self.source not in SOURCES:
            raise ValueError(f"bad spec for {self.id!r}")
        if not self.feature:
            object.__setattr__(self, "feature", self.id)


SOURCES = ("heuristic", "static", "dynamic")

_SPECS = (
    # heuristic: the name and the registry's metadata
    ("registry_unreachable", "heuristic", "info", "The registry could not be asked; existence is unknown."),
    ("not_found", "heuristic", "high", "The name does not exist on the registry (a hallucinated or unclaimed name)."),
    ("import_name_confusion", "heuristic", "medium", "An import name used as a distribution name (opengl for PyOpenGL)."),
    ("typosquat", "heuristic", "high", "The name is a near miss of a popular package's name."),
    ("established_neighbour", "heuristic", "info", "A near miss of a popular name, but the registry shows years of releases: a legitimate neighbour, not scored."),
    ("new_package", "heuristic", "medium", "The project or its release is only days old."),
    ("single_release", "heuristic", "low", "The project has a single release."),
    ("empty_description", "heuristic", "low", "The project has no real description."),
    ("no_repository", "heuristic", "low", "The project links no source repository."),
    ("maintainer_anomaly", "heuristic", "medium", "The maintainers look throwaway or changed recently."),
    ("version_jump", "heuristic", "high", "The version jumps far above the project's history (dependency confusion)."),
    ("install_scripts", "static", "medium", "Code runs at install time (npm lifecycle scripts)."),
    ("url_dependency", "heuristic", "high", "A dependency is fetched from a URL, not the registry."),
    ("known_malicious", "heuristic", "critical", "A malware feed (OSV MAL- advisory) lists this name and version."),
    ("security_placeholder", "heuristic", "critical", "npm replaced the package with its security placeholder (0.0.1-security): it was malware."),
    ("unpublished", "heuristic", "medium", "Every version was unpublished; anyone may register the name again."),
    ("project_quarantined", "heuristic", "critical", "The index quarantined the project (PEP 792 status), e.g. for malware."),
    ("project_archived", "heuristic", "low", "The project is archived (PEP 792 status): no more updates or fixes."),
    ("yanked_release", "heuristic", "medium", "The resolved release was yanked by its maintainers or the index."),
    ("release_too_new", "heuristic", "high", "The resolved release is younger than the policy's minimum age (min-age)."),
    ("internal_name_public", "heuristic", "high", "A name the policy declares internal exists on the public registry (dependency confusion)."),
    # static: what the artifact's files contain
    ("setup_network", "static", "high", "The install script talks to the network."),
    ("setup_process", "static", "high", "The install script starts processes."),
    ("setup_exec", "static", "high", "The install script executes dynamically built code."),
    ("encoded_exec", "static", "critical", "Encoded or compressed data is decoded and executed."),
    ("obfuscation", "static", "medium", "The code is obfuscated (long encoded blobs, hidden code)."),
    ("download_execute", "static", "critical", "Code is downloaded and then executed."),
    ("reverse_shell", "static", "critical", "A socket is wired to a shell (reverse shell)."),
    ("credential_paths", "static", "low", "The code names credential files (~/.aws, ~/.ssh, browser profiles)."),
    ("shipped_binary", "static", "low", "The artifact ships executable binaries."),
    ("unsafe_archive", "static", "high", "The archive tries path traversal, links out, devices or bombs."),
    ("exfil_endpoint", "static", "high", "The code names a known exfiltration endpoint (webhook with token, out-of-band testing host, raw IP)."),
    ("host_data_exfil", "static", "high", "Host, user or environment data flows into a network call or a DNS lookup."),
    ("windows_payload", "static", "high", "A Windows-only dropper or persistence step (pythonw, hidden PowerShell, Startup folder, Run key)."),
    ("incomplete_analysis", "static", "info", "A file could not be analysed fully (syntax error, size); patterns only."),
    # dynamic: what the package did in the sandbox
    ("honeytoken_read", "dynamic", "high", "A planted fake credential was read."),
    ("honeytoken_exfiltration", "dynamic", "critical", "A planted canary value left in DNS or network data."),
    ("network_attempt", "dynamic", "high", "Package code tried to connect somewhere."),
    ("dns_query", "dynamic", "medium", "Package code looked up a hostname."),
    ("shell_spawn", "dynamic", "medium", "Package code started a shell."),
    ("downloader_spawn", "dynamic", "high", "Package code started a downloader (curl, wget, ...)."),
    ("reverse_shell_spawn", "dynamic", "critical", "Package code started netcat/socat-like tools."),
    ("inline_interpreter", "dynamic", "medium", "Package code ran an interpreter on inline code (python -c, node -e)."),
    ("persistence_write", "dynamic", "high", "Package code wrote a shell profile, autostart, cron or user bin entry."),
    ("exec_written_file", "dynamic", "high", "Package code executed a file it had just written."),
    ("credential_read", "dynamic", "high", "Package code read real credential locations."),
    ("browser_profile_read", "dynamic", "high", "Package code read browser profile data."),
    ("system_secret_read", "dynamic", "medium", "Package code read system secrets (/etc/shadow, ...)."),
    ("sandbox_probe", "dynamic", "medium", "Package code probed for an analysis environment."),
    ("daemon_survivor", "dynamic", "high", "A process of the package outlived its phase (daemonised)."),
    ("phase_timeout", "dynamic", "low", "A phase ran past its deadline."),
    ("resource_abuse", "dynamic", "medium", "The package exhausted a sandbox limit (pids, memory, disk, output, time)."),
    ("tracer_tamper", "dynamic", "high", "The package tried to kill or evade the tracer."),
)

REGISTRY: dict[str, IndicatorSpec] = {s[0]: IndicatorSpec(*s) for s in _SPECS}


def spec(indicator_id: str) -> IndicatorSpec | None:
    """The declaration of an id, or None for an id nobody declared."""
    return REGISTRY.get(indicator_id)


def ids(*sources: str) -> tuple[str, ...]:
    """Declared ids in declaration order, optionally only of the given sources."""
    return tuple(i for i, s in REGISTRY.items() if not sources or s.source in sources)


def markdown_table() -> str:
    """The indicator table of docs/ARCHITECTURE.md, generated from REGISTRY
    (`python -m slopspotter_lab.indicators` prints it; a test checks the page carries it)."""
    lines = ["| id | source | default severity | feature | what it means |", "|---|---|---|---|---|"]
    lines += [f"| `{s.id}` | {s.source} | {s.severity} | `{s.feature}` "
              f"| {s.description} |" for s in REGISTRY.values()]
    return "\n".join(lines)


def worst(indicators) -> str | None:
    """Highest severity among indicators, or None."""
    ranks = [SEVERITY_RANK[i.severity] for i in indicators]
    return SEVERITIES[max(ranks)] if ranks else None


def rank(indicators: list) -> list:
    """The one order indicators are shown in: most severe first, then the heaviest model weight.

    Takes Indicator objects or their dicts (to_dict()), returns the same kind."""
    def key(i):
        sev, weight = (i.severity, i.weight) if isinstance(i, Indicator) else (i.get("severity"), i.get("weight"))
        return -SEVERITY_RANK.get(sev, 0), -(weight or 0.0)

    return sorted(indicators, key=key)


def as_dicts(indicators) -> list[dict[str, Any]]:
    return [i.to_dict() if isinstance(i, Indicator) else dict(i) for i in indicators]


if __name__ == "__main__":
    print(markdown_table())

__all__ = ["Indicator", "IndicatorSpec", "REGISTRY", "SEVERITIES", "SEVERITY_RANK", "SOURCES", "ids", "spec",
           "worst", "rank", "markdown_table", "as_dicts", "asdict"]
