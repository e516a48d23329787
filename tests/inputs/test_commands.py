"""The install-command grammar on a corpus of LLM-style answers, scripts, Dockerfiles, notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from slopspotter_lab.inputs import extract_commands

ANS = Path(__file__).parent / "answers"


def cmds(name: str):
    path = ANS / name
    return extract_commands(path.read_text(), source=str(path))


def flat(commands):
    return [(p.name, p.spec) for c in commands for p in c.packages]


def test_markdown_answer_fences_inline_and_prose():
    got = cmds("chat_markdown.md")
    assert flat(got) == [
        ("requests", ">=2.31"), ("beautifulsoup4", "==4.12.3"), ("lxml", None), ("colourama", None),
        ("a", None), ("b", "^2"), ("@scope/c", None), ("react-dom", "18.2.0"), ("zod", None),
        ("create-vite", "latest"),
    ]
    first = got[0]
    assert first.line == 4 and first.packages[0].extras == ("socks",)
    assert [p.kind for p in got[3].packages] == ["dev", "dev", "dev"]
    assert {c.ecosystem for c in got[3:]} == {"npm"}
    assert got[-1].tool == "npx"  # "my-app --template react" are the program's arguments, not packages


def test_shell_script_continuations_splits_requirement_files_and_indexes():
    got = cmds("continuation.sh")
    first = got[0]
    assert first.line == 4 and flat([first]) == [("numpy", "==1.26.4"), ("pandas", ">=2.1"), ("scikit-learn", None)]
    assert any("--index-url https://pypi.example.invalid/simple" in n and "not followed" in n for n in first.notes)
    req = got[1]
    assert [(p.name, p.source.endswith("reqs-extra.txt"), p.line) for p in req.packages] == [
        ("matplotlib", True, 1), ("seabron", True, 2)]
    assert any("missing-constraints.txt not found" in n for n in req.notes)
    tools = [(c.tool, c.subcommand, c.line) for c in got[2:]]
    assert tools == [("uv", "pip install", 10), ("uv", "add", 10), ("poetry", "add", 11), ("pipx", "install", 12),
                     ("conda", "install", 13), ("npx", "exec", 14), ("pnpm", "dlx", 15)]
    poetry = got[4].packages
    assert (poetry[0].name, poetry[0].spec) == ("pendulum", "^3.0") and poetry[1].extras == ("all",)
    conda = {p.name: p for p in got[6].packages}
    assert conda["numpy"].checkable and conda["scipy"].spec == "==1.11.*"
    assert not conda["python"].checkable and not conda["cudatoolkit"].checkable  # no PyPI namesake
    assert [p.name for p in got[7].packages] == ["cowsay"] and [p.name for p in got[8].packages] == ["degit"]


def test_dockerfile_run_lines():
    got = cmds("Dockerfile")
    assert [(c.tool, c.line) for c in got] == [("pip", 3), ("npm", 6)]
    assert flat(got) == [("flask", "==3.0.2"), ("gunicorn", None), ("typescript", "5.4")]


def test_chat_transcript_prompts_and_negations():
    got = cmds("transcript.txt")
    assert flat(got) == [("openpyxl", None), ("pandas", None), ("xlrd", "==2.0.1"), ("xlsx", None), ("exceljs", None)]


def test_prose_mentions_that_are_not_commands_are_ignored():
    got = cmds("prose_only.md")
    assert flat(got) == [("fastapi-users", None)]
    assert got[0].packages[0].extras == ("sqlalchemy",)


def test_notebook_cells_magics_and_file_lines():
    path = ANS / "notebook.ipynb"
    got = cmds("notebook.ipynb")
    assert flat(got) == [("torch", None), ("transformers", "==4.40.0"), ("datasets", None), ("accelerate", None)]
    lines = path.read_text().splitlines()
    for c in got:
        assert "pip install" in lines[c.line - 1]
    assert "notapackage" not in {n for n, _ in flat(got)}  # a string inside Python code is not a command


@pytest.mark.parametrize("text, expected", [
    ('pip install "pkg[extra]>=1"', [("pkg", ">=1")]),
    ("pip install -U pip setuptools wheel", [("pip", None), ("setuptools", None), ("wheel", None)]),
    ("pip install --upgrade --index-url=https://x.invalid/simple foo", [("foo", None)]),
    ("pip install -rrequirements-missing.txt", []),
    ("sudo -H pip3.11 install httpie", [("httpie", None)]),
    ("python -m pip install 'django<5' && python manage.py migrate", [("django", "<5")]),
    ("pip install git+https://github.com/psf/requests.git@main", [("git+https://github.com/psf/requests.git@main", None)]),
    ("pip install ./dist/mypkg-1.0-py3-none-any.whl", [("./dist/mypkg-1.0-py3-none-any.whl", None)]),
    ("npm install --save-exact left-pad@1.3.0 --registry https://npm.invalid", [("left-pad", "1.3.0")]),
    ("npm i express@npm:expresss@^4", [("expresss", "^4")]),
    ("yarn global add @vue/cli", [("@vue/cli", None)]),
    ("pnpm add -D @types/node typescript@~5.4.0", [("@types/node", None), ("typescript", "~5.4.0")]),
    ("npm install", []),
    ("npm run build", []),
    ("pip list", []),
    ("pipx run --spec black==24.1 black .", [("black", "==24.1"), ("black", None)]),
    ("uv tool install ruff", [("ruff", None)]),
    ("npx -p typescript tsc --init", [("typescript", None)]),
    ("RUN pip install --no-cache-dir -e .", [(".", None)]),
    ("you need to pip install requests, then import it", [("requests", None)]),
    ("pip install requests.", [("requests", None)]),
])
def test_tricky_one_liners(text, expected):
    assert flat(extract_commands(text)) == expected


def test_unreadable_quotes_do_not_crash():
    got = extract_commands("Run pip install \"requests and see what happens")
    assert [p.name for c in got for p in c.packages] == ["requests"]


def test_index_urls_are_reported_never_followed():
    (cmd,) = extract_commands("pip install -i https://evil.invalid/simple --extra-index-url https://x.invalid colourama")
    assert [p.name for p in cmd.packages] == ["colourama"]
    assert len([n for n in cmd.notes if "not followed" in n]) == 2


def test_url_and_path_packages_are_not_checkable():
    (cmd,) = extract_commands("pip install git+https://github.com/a/b.git#egg=b https://x.invalid/p.tar.gz ./local requests")
    assert [p.checkable for p in cmd.packages] == [False, False, False, True]
    assert cmd.packages[0].name == "b"


def test_arbitrary_text_never_crashes():
    from hypothesis import given, settings, strategies as st

    words = st.sampled_from(["pip", "install", "npm", "i", "-r", "x.txt", "\\\n", "`", '"', "'", "&&", "|", "#",
                             "--index-url", "-D", "@scope/x@^1", "req[a]>=1", "uv", "pip3", "add", "\n", "```", "$ "])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(words, st.text(max_size=8)), max_size=30))
    def run(parts):
        for cmd in extract_commands(" ".join(parts)):
            assert cmd.tool and cmd.ecosystem in ("pypi", "npm")
            for p in cmd.packages:
                assert p.name is not None and p.ecosystem == cmd.ecosystem

    run()
