"""The records every reader and the command grammar produce (contract: BRIEF / DESIGN 4.1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Dependency:
    """One package a file or command names. `checkable` is False for URLs, VCS refs, local paths
    and anything else a name check cannot judge; `note` says why (or what else is worth knowing).
    `via` is the direct dependency that pulled a transitive one in (None for direct ones)."""

    name: str
    ecosystem: str  # "pypi" | "npm"
    spec: str | None = None
    version: str | None = None
    source: str | None = None
    line: int | None = None
    via: str | None = None
    kind: str | None = None  # "main" | "dev" | "optional" | "peer" | "constraint" | group name
    checkable: bool = True
    note: str | None = None
    extras: tuple[str, ...] = ()
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["extras"] = list(self.extras)
        return d


@dataclass
class InstallCommand:
    """One install command found in free text: the tool, where it was, what it would install,
    and `notes` on what was not followed (index URLs, missing -r files, unknown options)."""

    tool: str  # "pip" | "uv" | "poetry" | "pipx" | "conda" | "npm" | "yarn" | "pnpm" | "npx" ...
    ecosystem: str
    line: int | None
    text: str
    packages: list[Dependency] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str | None = None
    subcommand: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "ecosystem": self.ecosystem, "line": self.line, "text": self.text,
                "source": self.source, "subcommand": self.subcommand,
                "packages": [p.to_dict() for p in self.packages], "notes": list(self.notes)}


def add_note(dep: Dependency, note: str) -> Dependency:
    dep.note = f"{dep.note}; {note}" if dep.note else note
    return dep
