"""What people have: manifests, lockfiles and install commands in free text, as Dependency records.

`read_manifest(path)` reads requirements files, pyproject.toml, poetry.lock, uv.lock,
Pipfile.lock, package.json, package-lock.json / npm-shrinkwrap.json, yarn.lock and
pnpm-lock.yaml; `extract_commands(text, source)` finds install commands (the one grammar,
shared by the CLI, the native host and the MCP server). Light on purpose: no pandas, parsers
imported only for the format at hand.
"""

from __future__ import annotations

from .commands import extract_commands, parse_command
from .manifests import FORMATS, detect_format, read_manifest
from .model import Dependency, InstallCommand

__all__ = ["Dependency", "InstallCommand", "extract_commands", "parse_command", "read_manifest", "detect_format", "FORMATS"]
