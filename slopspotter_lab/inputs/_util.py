"""Small shared pieces of the readers: TOML/YAML loading, line finding, `via` by graph walk."""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import InputError


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text") from exc


def load_toml(text: str, path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from exc


def load_json(text: str, path: Path):
    import json

    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc


def load_yaml_with_lines(text: str, path: Path, depth: int = 3) -> tuple[object, dict[tuple, int]]:
    """YAML data plus the 1-based line of every mapping key down to `depth` levels (by key path)."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}

    def walk(n, prefix, level):
        if level >= depth or not isinstance(n, yaml.MappingNode):
            return
        for k, v in n.value:
            key = prefix + (k.value,)
            lines[key] = k.start_mark.line + 1
            walk(v, key, level + 1)

    walk(node, (), 0)
    return data, lines


class Lines:
    """Find the line of a literal in a text, searching forward from a line (1-based results)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def find(self, pattern: str, after: int = 0, regex: bool = False) -> int | None:
        rx = re.compile(pattern) if regex else None
        for k in range(max(after, 0), len(self.lines)):
            if (rx.search(self.lines[k]) if rx else pattern in self.lines[k]):
                return k + 1
        return None

    def all(self, pattern: str) -> list[int]:
        rx = re.compile(pattern)
        return [k + 1 for k, line in enumerate(self.lines) if rx.search(line)]


def via_map(direct: Iterable[str], graph: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """node -> the first direct node (in order) from which it is reachable. Direct nodes map
    to themselves; callers report via=None for those."""
    direct = list(dict.fromkeys(direct))
    via: dict[str, str] = {root: root for root in direct}
    for root in direct:
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for nxt in graph.get(node, ()):
                if nxt not in via:
                    via[nxt] = root
                    queue.append(nxt)
    return via


def roots_of(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Nodes nobody depends on: the direct ones when no manifest says."""
    targets = {t for deps in graph.values() for t in deps}
    return [n for n in graph if n not in targets]
