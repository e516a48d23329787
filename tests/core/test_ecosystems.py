import pytest

from slopspotter_lab.ecosystems import Ecosystem, normalize_pypi, parse_spec
from slopspotter_lab.errors import InputError


@pytest.mark.parametrize("text,name,version", [
    ("requests", "requests", None),
    ("requests==2.32.3", "requests", "2.32.3"),
    ("Django_REST.framework", "Django_REST.framework", None),
])
def test_pypi_specs(text, name, version):
    spec = parse_spec(text, "pypi")
    assert (spec.name, spec.version, spec.ecosystem) == (name, version, Ecosystem.PYPI)


@pytest.mark.parametrize("text,name,version", [
    ("left-pad@1.3.0", "left-pad", "1.3.0"),
    ("@types/node", "@types/node", None),
    ("@types/node@20.1.0", "@types/node", "20.1.0"),
    ("lodash@latest", "lodash", "latest"),
])
def test_npm_specs(text, name, version):
    spec = parse_spec(text, "npm")
    assert (spec.name, spec.version) == (name, version)


@pytest.mark.parametrize("text", [
    "--index-url=https://evil.invalid/simple", "-e", "-r requirements.txt", "foo; rm -rf /",
    "foo bar", "$(id)", "foo`id`", "reqüests", "r\u0435quests", "a" * 300, "http://x.invalid/p.tgz",
    "foo>=1.0", "foo\nbar", "foo|sh", "", "   ",
])
def test_hostile_pypi_names_are_refused(text):
    with pytest.raises(InputError):
        parse_spec(text, "pypi", allow_path=False)


@pytest.mark.parametrize("text", ["_private", ".hidden", "node_modules", "@scope/a b", "--registry=x", "a@1.0 && id"])
def test_hostile_npm_names_are_refused(text):
    with pytest.raises(InputError):
        parse_spec(text, "npm", allow_path=False)


def test_confusable_message_names_the_codepoint():
    with pytest.raises(InputError, match="U\\+0435 CYRILLIC SMALL LETTER IE"):
        parse_spec("r\u0435quests", "pypi")


def test_unknown_ecosystem():
    with pytest.raises(InputError, match="unknown ecosystem"):
        Ecosystem.parse("cargo")


def test_local_paths(tmp_path):
    whl = tmp_path / "pkg-1.0-py3-none-any.whl"
    whl.write_bytes(b"x")
    spec = parse_spec(str(whl), "pypi")
    assert spec.is_local and spec.path == whl.resolve()
    with pytest.raises(InputError, match="no such file"):
        parse_spec(str(tmp_path / "missing.tar.gz"), "pypi")


def test_pep503():
    assert normalize_pypi("Foo.Bar__baz") == "foo-bar-baz"
