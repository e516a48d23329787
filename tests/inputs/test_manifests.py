"""Every manifest and lockfile format: names, versions, file and line, `via`, not-checkable refs."""

from __future__ import annotations

from pathlib import Path

import pytest

from slopspotter_lab.errors import InputError
from slopspotter_lab.inputs import Dependency, detect_format, read_manifest

FIX = Path(__file__).parent / "fixtures"


def by_name(deps: list[Dependency]) -> dict[str, Dependency]:
    return {d.name: d for d in deps}


def line_of(path: Path, line: int) -> str:
    return path.read_text().splitlines()[line - 1]


def assert_lines_point_at_names(deps, strip_scope=False):
    """The recorded line of every record mentions the record's name (the contract: file + line)."""
    for d in deps:
        assert d.source and d.line, d
        assert d.name.split("/")[-1].lower().replace("_", "-") in line_of(Path(d.source), d.line).lower().replace("_", "-"), d


def test_requirements_nested_markers_hashes_urls():
    path = FIX / "py-req" / "requirements.txt"
    deps = read_manifest(path)
    got = by_name(deps)
    assert got["djangorestframework"].version == "3.15.1" and "2 hash(es)" in got["djangorestframework"].note
    assert got["celery"].extras == ("redis", "sqs") and "python_version" in got["celery"].note
    assert got["reqeusts"].line == 13 and got["reqeusts"].checkable
    assert not got["internal-lib"].checkable and "VCS" in got["internal-lib"].note
    assert [d for d in deps if d.url and d.url.endswith(".whl")][0].checkable is False
    assert any(not d.checkable and "editable" in (d.note or "") for d in deps)
    # nested -r (with a cycle back to base) and -c, each from its own file
    assert got["six"].source.endswith("requirements-common.txt") and got["six"].line == 1
    assert got["pytz"].source.endswith("requirements-base.txt")
    assert got["urllib3"].kind == "constraint"
    assert "index-url https://pypi.internal.invalid/simple" in got["Django"].note  # reported, not followed
    assert_lines_point_at_names([d for d in deps if d.checkable])


def test_pyproject_pep621_groups_and_poetry():
    deps = by_name(read_manifest(FIX / "py-uv" / "pyproject.toml"))
    assert deps["httpx"].spec == ">=0.27" and deps["httpx"].kind == "main" and deps["httpx"].line == 6
    assert deps["beautifulsoup4"].extras == ("lxml",)
    assert not deps["my-private"].checkable
    assert deps["rich"].kind == "optional" and deps["ruff"].kind == "lint" and deps["pytest"].kind == "dev"
    poetry = read_manifest(FIX / "py-poetry" / "pyproject.toml")
    p = by_name(poetry)
    assert "python" not in p
    assert p["pydantic"].extras == ("email",) and p["sqlalchemy"].kind == "optional"
    assert not p["internal-sdk"].checkable and p["colourama"].kind == "dev"
    assert_lines_point_at_names(poetry)


@pytest.mark.parametrize("rel, direct, transitive", [
    ("py-poetry/poetry.lock", {"fastapi", "pydantic"}, {"starlette": "fastapi", "anyio": "fastapi", "pydantic-core": "pydantic"}),
    ("py-uv/uv.lock", {"httpx", "beautifulsoup4", "pytest", "rich"}, {"httpcore": "httpx", "lxml": "beautifulsoup4", "pluggy": "pytest"}),
    ("npm-v3/package-lock.json", {"express", "lodahs", "typescript", "@types/node"}, {"body-parser": "express", "undici-types": "@types/node"}),
    ("npm-v1/npm-shrinkwrap.json", {"request", "mocha"}, {"aws4": "request", "debug": "mocha"}),
    ("yarn-classic/yarn.lock", {"@babel/code-frame", "reakt"}, {"@babel/highlight": "@babel/code-frame", "chalk": "@babel/code-frame"}),
    ("yarn-berry/yarn.lock", {"chalk", "expresss"}, {"supports-color": "chalk", "color-name": "chalk"}),
    ("pnpm9/pnpm-lock.yaml", {"axios", "loadsh", "vitest"}, {"combined-stream": "axios", "delayed-stream": "axios"}),
    ("pnpm6/pnpm-lock.yaml", {"react", "react-dom"}, {"scheduler": "react-dom", "js-tokens": "react-dom"}),
    ("pnpm5/pnpm-lock.yaml", {"left-pad", "@sindresorhus/is", "is-odd"}, {"is-number": "is-odd"}),
])
def test_lockfiles_give_the_transitive_set_with_via(rel, direct, transitive):
    deps = read_manifest(FIX / rel)
    got = by_name(deps)
    for name in direct:
        assert got[name].via is None, got[name]
        assert got[name].version, got[name]
    for name, via in transitive.items():
        assert got[name].via == via, got[name]
    assert_lines_point_at_names(deps)
    assert all(d.ecosystem == ("npm" if "npm" in rel or "yarn" in rel or "pnpm" in rel else "pypi") for d in deps)


def test_lockfile_refs_that_are_not_registry_packages_are_not_checkable():
    assert not by_name(read_manifest(FIX / "py-poetry/poetry.lock"))["internal-sdk"].checkable
    assert not by_name(read_manifest(FIX / "py-uv/uv.lock"))["my-private"].checkable
    assert not by_name(read_manifest(FIX / "npm-v3/package-lock.json"))["my-fork"].checkable
    yarn = by_name(read_manifest(FIX / "yarn-classic/yarn.lock"))
    assert not yarn["my-utils"].checkable and yarn["chalk"].checkable  # a #sha1 on a tarball URL is not git
    assert by_name(read_manifest(FIX / "yarn-berry/yarn.lock"))["expresss"].version == "4.18.2"


def test_lockfile_nested_copies_are_separate_records():
    ms = [d for d in read_manifest(FIX / "npm-v3/package-lock.json") if d.name == "ms"]
    assert sorted(d.version for d in ms) == ["2.0.0", "2.1.3"]
    assert any("nested under express" in (d.note or "") for d in ms)


def test_pipfile_lock_sections_and_git():
    deps = by_name(read_manifest(FIX / "py-pipenv/Pipfile.lock"))
    assert deps["requests"].version == "2.31.0" and deps["requests"].kind == "main"
    assert deps["pytest"].kind == "dev"
    assert not deps["mylib"].checkable
    assert_lines_point_at_names([d for d in deps.values()])


def test_package_json_all_kinds():
    deps = read_manifest(FIX / "npm-v3/package.json")
    kinds = {(d.name, d.kind) for d in deps}
    assert {("express", "main"), ("typescript", "dev"), ("react", "peer"), ("fsevents", "optional"),
            ("express", "bundled")} <= kinds
    assert by_name(deps)["typescript"].checkable  # "~5.4.0" is a range, not a home-directory path
    assert not by_name(deps)["my-fork"].checkable


@pytest.mark.parametrize("name, fmt", [
    ("requirements-dev.txt", "requirements"), ("dev-requirements.txt", "requirements"),
    ("requirements/prod.in", "requirements"), ("notes.txt", "text"), ("npm-shrinkwrap.json", "package-lock"), ("pnpm-lock.yaml", "pnpm-lock"),
    ("Pipfile.lock", "Pipfile.lock"), ("answer.md", "text"), ("Dockerfile", "text"), ("uv.lock", "uv.lock"),
])
def test_detect_format_by_name(name, fmt):
    assert detect_format(name, text="") == fmt


def test_detect_format_by_content(tmp_path):
    f = tmp_path / "deps.lock"
    f.write_text((FIX / "pnpm9/pnpm-lock.yaml").read_text())
    assert detect_format(f) == "pnpm-lock"
    f.write_text((FIX / "py-uv/uv.lock").read_text())
    assert detect_format(f) == "uv.lock"
    assert {d.name for d in read_manifest(f)} >= {"httpx", "h11"}


@pytest.mark.parametrize("name, body", [
    ("package-lock.json", "{not json"), ("pyproject.toml", "[project\n"), ("pnpm-lock.yaml", "a: [b\n"),
])
def test_malformed_files_are_input_errors(tmp_path, name, body):
    f = tmp_path / name
    f.write_text(body)
    with pytest.raises(InputError):
        read_manifest(f)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_manifest(tmp_path / "requirements.txt")


def test_inputs_import_is_light():
    import subprocess
    import sys

    code = ("import sys; import slopspotter_lab.inputs as i; i.extract_commands('pip install x');"
            "print(sorted(m for m in ('pandas', 'yaml', 'pip_requirements_parser', 'requests') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
