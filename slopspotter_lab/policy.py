"""The team policy file: `[tool.slopspotter]` in pyproject.toml, or `.slopspotter.toml`.

Found by walking up from the current directory (the first `.slopspotter.toml`, or the first
`pyproject.toml` that has a `[tool.slopspotter]` table); `--config FILE` overrides. It holds what
a team decides once and reviews in a pull request: when CI fails (`fail-on`), reviewed ignores
with a reason and an expiry, internal names that must never be treated as public packages, and a
minimum release age. A bad file is an InputError (exit 2) naming the file and the key: a typo in
a policy must never silently turn a gate off.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from .ecosystems import Ecosystem, normalize_name
from .errors import InputError

FAIL_ON = ("low", "medium", "high", "never")
POLICY_FILE = ".slopspotter.toml"
KEYS = ("fail-on", "min-age", "internal", "internal-scopes", "internal-probe", "ignore")
IGNORE_KEYS = ("name", "ecosystem", "versions", "reason", "until")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# Ids that are facts or policy violations, not probabilities: they raise a record's risk to high
# whatever the model says (a version on a malware feed is never "medium").
GATE_IDS = ("known_malicious", "security_placeholder", "project_quarantined", "internal_name_public",
            "release_too_new")


@dataclass(frozen=True)
class Ignore:
    """One reviewed exception: this name (optionally these versions) is accepted until a date."""

    name: str
    reason: str
    ecosystem: str | None = None
    versions: str | None = None  # a PEP 440 specifier set ("<2", ">=1.0,<1.4"), for both ecosystems
    until: date | None = None

    def expired(self, today: date | None = None) -> bool:
        return self.until is not None and (today or date.today()) > self.until

    def matches(self, name: str, ecosystem: str, version: str | None) -> bool:
        """Name (normalised per ecosystem) and version range; a range never matches an unknown version."""
        if self.ecosystem and self.ecosystem != ecosystem:
            return False
        if _norm(self.name, ecosystem) != _norm(name, ecosystem):
            return False
        if not self.versions:
            return True
        if not version:
            return False
        from packaging.specifiers import SpecifierSet
        from packaging.version import InvalidVersion, Version

        try:
            return Version(version) in SpecifierSet(self.versions, prereleases=True)
        except InvalidVersion:
            return False

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "reason": self.reason}
        for key in ("ecosystem", "versions"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.until:
            out["until"] = self.until.isoformat()
        return out


@dataclass
class Policy:
    fail_on: str | None = None  # None: no gate unless --fail-on is given
    min_age: timedelta | None = None
    min_age_text: str | None = None  # as written in the file ("72h")
    internal: tuple[str, ...] = ()  # name globs
    internal_scopes: tuple[str, ...] = ()  # npm scopes, "@acme"
    internal_probe: bool = True  # ask the public registry whether an internal name exists there
    ignores: tuple[Ignore, ...] = ()
    source: str | None = None  # the file it came from; None = built-in defaults
    raw: dict[str, Any] = field(default_factory=dict)

    def is_internal(self, name: str, ecosystem: str) -> bool:
        """Internal names are never typosquats and never scored as public packages."""
        if ecosystem == "npm" and name.startswith("@"):
            scope = name.split("/", 1)[0].lower()
            if scope in (s.lower() for s in self.internal_scopes):
                return True
        key = _norm(name, ecosystem)
        return any(fnmatch.fnmatchcase(key, _norm(p, ecosystem)) for p in self.internal)

    def ignore_for(self, name: str, ecosystem: str, version: str | None, today: date | None = None) -> Ignore | None:
        """The first live ignore that matches (expired ones never apply)."""
        for ign in self.ignores:
            if not ign.expired(today) and ign.matches(name, ecosystem, version):
                return ign
        return None

    def expired_ignores(self, today: date | None = None) -> list[Ignore]:
        return [i for i in self.ignores if i.expired(today)]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "fail-on": self.fail_on,
                "min-age": (self.min_age_text or format_duration(self.min_age)) if self.min_age else None,
                "internal": list(self.internal), "internal-scopes": list(self.internal_scopes),
                "internal-probe": self.internal_probe,
                "ignore": [{**i.to_dict(), **({"expired": True} if i.expired() else {})} for i in self.ignores]}


def _norm(name: str, ecosystem: str) -> str:
    return normalize_name(name, ecosystem)


# ------------------------------------------------------------------------------- parsing
def parse_duration(text: Any, where: str = "min-age") -> timedelta:
    """'72h', '3d', '1w', '1d12h', '90m' -> timedelta; anything else is an InputError."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        raise InputError(f"{where}: give a unit, e.g. \"{int(text)}h\" (s, m, h, d, w)")
    s = str(text).strip().replace(" ", "")
    if not s or _DURATION.sub("", s):
        raise InputError(f"{where}: {text!r} is not a duration like \"72h\", \"3d\" or \"1w\"")
    seconds = sum(float(n) * _UNITS[u.lower()] for n, u in _DURATION.findall(s))
    return timedelta(seconds=seconds)


def format_duration(td: timedelta) -> str:
    secs = int(td.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if secs and secs % _UNITS[unit] == 0:
            return f"{secs // _UNITS[unit]}{unit}"
    return f"{secs}s"


def _unknown(keys: Iterable[str], allowed: tuple[str, ...], where: str) -> None:
    for key in keys:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            raise InputError(f"{where}: unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else
                                                                 f"; known keys: {', '.join(allowed)}"))


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _ignore(entry: Any, where: str) -> Ignore:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: each ignore is a table with name and reason")
    _unknown(entry, IGNORE_KEYS, where)
    name, reason = entry.get("name"), entry.get("reason")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: 'name' is required")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"{where} ({name}): 'reason' is required: say why this is accepted")
    eco = entry.get("ecosystem")
    if eco is not None:
        try:
            eco = Ecosystem.parse(eco).value
        except (InputError, ValueError):
            raise InputError(f"{where} ({name}): unknown ecosystem {eco!r} (pypi or npm)") from None
    versions = entry.get("versions")
    if versions is not None:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            SpecifierSet(str(versions))
        except InvalidSpecifier:
            raise InputError(f"{where} ({name}): versions {versions!r} is not a specifier like \"<2\" or "
                             "\">=1.0,<1.4\"") from None
    until = _date(entry["until"], f"{where} ({name}) until") if "until" in entry else None
    return Ignore(name=name.strip(), reason=reason.strip(), ecosystem=eco,
                  versions=str(versions) if versions else None, until=until)


def policy_from_dict(table: dict[str, Any], source: str | None = None) -> Policy:
    """Validate one `[tool.slopspotter]` table (keys as in the file, kebab-case)."""
    where = source or "policy"
    if not isinstance(table, dict):
        raise InputError(f"{where}: [tool.slopspotter] must be a table")
    _unknown(table, KEYS, where)
    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise InputError(f"{where}: fail-on must be one of {', '.join(FAIL_ON)} (got {fail_on!r})")
    min_age = parse_duration(table["min-age"], f"{where}: min-age") if "min-age" in table else None
    scopes = _strings(table.get("internal-scopes", []), f"{where}: internal-scopes")
    for s in scopes:
        if not re.fullmatch(r"@[a-z0-9][a-z0-9._~-]*", s.lower()):
            raise InputError(f"{where}: internal-scopes: {s!r} is not an npm scope like \"@acme\"")
    probe = table.get("internal-probe", True)
    if not isinstance(probe, bool):
        raise InputError(f"{where}: internal-probe must be true or false")
    ignores = table.get("ignore", [])
    if isinstance(ignores, dict):
        ignores = [ignores]
    if not isinstance(ignores, list):
        raise InputError(f"{where}: ignore must be an array of tables ([[tool.slopspotter.ignore]])")
    return Policy(fail_on=fail_on, min_age=min_age, min_age_text=str(table["min-age"]).strip() if min_age else None,
                  internal=_strings(table.get("internal", []), f"{where}: internal"),
                  internal_scopes=scopes, internal_probe=probe,
                  ignores=tuple(_ignore(e, f"{where}: ignore[{n}]") for n, e in enumerate(ignores)),
                  source=source, raw=dict(table))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise InputError(f"cannot read policy file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from exc


def _table(doc: dict[str, Any], path: Path) -> dict[str, Any] | None:
    """The policy table of a file: [tool.slopspotter] anywhere, or top-level keys in .slopspotter.toml."""
    tool = (doc.get("tool") or {}).get("slopspotter")
    if tool is not None:
        return tool
    if path.name == POLICY_FILE:
        return {k: v for k, v in doc.items() if k != "tool"}
    return None


def find_policy_file(start: str | Path | None = None) -> Path | None:
    """Walk up from `start` (cwd): the first .slopspotter.toml, or pyproject.toml with the table."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / POLICY_FILE
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if _table(_read_toml(pyproject), pyproject) is not None:
                    return pyproject
            except InputError:
                continue  # a broken pyproject without our table is not ours to refuse
    return None


def load_policy(config: str | Path | None = None, start: str | Path | None = None) -> Policy:
    """The policy in force: `config` if given (must exist and hold a policy), else the one found."""
    if config:
        path = Path(config)
        if not path.is_file():
            raise InputError(f"policy file {path} does not exist")
        table = _table(_read_toml(path), path)
        if table is None:
            raise InputError(f"{path}: has no [tool.slopspotter] table")
    else:
        path = find_policy_file(start)
        if path is None:
            return Policy()
        table = _table(_read_toml(path), path)
    return policy_from_dict(table or {}, str(path))


def warn_expired(policy: Policy, stream=None) -> None:
    """Say on stderr which ignores expired: they no longer apply, so CI may fail again."""
    for ign in policy.expired_ignores():
        print(f"slopspotter-lab: warning: ignore of {ign.name} expired on {ign.until} ({ign.reason}); "
              f"it no longer applies ({policy.source})", file=stream or sys.stderr)


# ------------------------------------------------------------------------------- applying
def raise_for_gates(record: dict[str, Any]) -> dict[str, Any]:
    """Facts and policy violations make a record high risk, whatever the score says."""
    if any(i.get("id") in GATE_IDS for i in record.get("indicators") or []):
        record["risk"] = "high"
    return record


def apply_ignores(records: list[dict[str, Any]], policy: Policy) -> list[dict[str, Any]]:
    """Mark records a live ignore covers with `ignored: {reason, until}` (they stay in the output)."""
    for rec in records:
        ign = policy.ignore_for(rec.get("name") or "", rec.get("ecosystem") or "pypi", rec.get("version"))
        if ign is not None:
            rec["ignored"] = {"reason": ign.reason, "until": ign.until.isoformat() if ign.until else None}
    return records


def failing(records: Iterable[dict[str, Any]], fail_on: str | None) -> list[dict[str, Any]]:
    """Records that reach `fail-on` and are not ignored."""
    from .model.scoring import risk_reaches

    if not fail_on or fail_on == "never":
        return []
    return [r for r in records if not r.get("ignored") and risk_reaches(r.get("risk"), fail_on)]


def release_age_indicator(meta, policy: Policy, now: datetime | None = None):
    """`release_too_new` when the resolved version was published less than `min-age` ago."""
    from .indicators import Indicator
    from .registry.base import as_utc

    if policy.min_age is None or meta is None or not getattr(meta, "version_upload", None):
        return None
    uploaded = as_utc(meta.version_upload)
    age = (now or datetime.now(timezone.utc)) - uploaded
    if age >= policy.min_age:
        return None
    hours = max(age.total_seconds(), 0) / 3600
    return Indicator("release_too_new", "high",
                     f"{meta.name} {meta.version} was published {hours:.1f} h ago; the policy's min-age is "
                     f"{policy.min_age_text or format_duration(policy.min_age)}", extra={"published": uploaded.isoformat()})


def check_internal(spec, policy: Policy, *, offline: bool = False) -> dict[str, Any]:
    """The check record of an internal name: no typosquat or public-metadata heuristics; only
    "does the public registry have this name?" (dependency confusion), unless internal-probe is off."""
    from .indicators import Indicator, as_dicts
    from .model.scoring import load_model

    indicators, exists, error = [], None, None
    if policy.internal_probe and not offline:
        from .registry import fetch_metadata

        meta = fetch_metadata(spec)
        exists, error = meta.exists, (meta.error if meta.exists is None else None)
        if meta.exists:
            indicators.append(Indicator(
                "internal_name_public", "high",
                f"{spec.name} is internal by the policy ({policy.source}) but exists on the public "
                f"{spec.ecosystem.value} registry ({meta.release_count} release(s)); an installer that sees "
                "both indexes may take the public one", extra={"public_versions": meta.versions[-5:]}))
    score = load_model().score(indicators, dynamic=False)
    return {"name": spec.name, "ecosystem": spec.ecosystem.value, "exists": exists, "typosquat_of": None,
            "similar_to": [], "risk": score.risk, "score": round(score.probability, 4),
            "indicators": as_dicts(score.annotate(indicators)), "version": spec.version,
            "suggestion": None, "error": error, "internal": True}


# ------------------------------------------------------------------------------- CLI
def cli_config(args) -> int:
    """`slopspotter-lab config show`: the policy in force and where it came from."""
    action = getattr(args, "config_command", None) or "show"
    if action != "show":
        raise InputError(f"unknown config action {action!r}: use show")
    policy = load_policy(getattr(args, "config", None))
    if getattr(args, "format", "text") == "json":
        print(json.dumps(policy.to_dict(), indent=1))
        return 0
    print(f"policy: {policy.source or 'built-in defaults (no .slopspotter.toml or [tool.slopspotter] found)'}")
    d = policy.to_dict()
    print(f"fail-on: {d['fail-on'] or 'not set (exit 0 unless --fail-on is given)'}")
    print(f"min-age: {d['min-age'] or 'not set'}")
    print(f"internal: {', '.join(d['internal']) or '-'}")
    print(f"internal-scopes: {', '.join(d['internal-scopes']) or '-'}")
    print(f"internal-probe: {'on' if policy.internal_probe else 'off'}")
    print(f"ignores: {len(policy.ignores)}")
    for ign in policy.ignores:
        state = f"EXPIRED {ign.until}" if ign.expired() else (f"until {ign.until}" if ign.until else "no expiry")
        scope = " ".join(x for x in (ign.ecosystem, ign.versions) if x)
        print(f"  {ign.name}{' ' + scope if scope else ''}: {ign.reason} [{state}]")
    warn_expired(policy)
    return 0
