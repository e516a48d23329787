"""Shell functions that route installs through `slopspotter-lab guard` (guard --print-alias)."""

from __future__ import annotations

from ..errors import InputError

# tool -> the first words (after the tool) that make it an install
GUARDED = {"pip": ["install"], "pip3": ["install"], "uv": ["add", "pip install"], "poetry": ["add"],
           "npm": ["install", "i", "add"], "pnpm": ["add", "install", "i"], "yarn": ["add"]}


def _bash(tool: str, subs: list[str]) -> str:
    tests = " || ".join(
        f'[ "$1" = {s.split()[0]} ]' if " " not in s else f'{{ [ "$1" = {s.split()[0]} ] && [ "${{2:-}}" = {s.split()[1]} ]; }}'
        for s in subs)
    return (f"{tool}() {{ if {tests}; then slopspotter-lab guard -- {tool} \"$@\"; "
            f"else command {tool} \"$@\"; fi; }}")


def _fish(tool: str, subs: list[str]) -> str:
    tests = "; or ".join(
        f"test \"$argv[1]\" = {s.split()[0]}" if " " not in s
        else f"begin; test \"$argv[1]\" = {s.split()[0]}; and test \"$argv[2]\" = {s.split()[1]}; end"
        for s in subs)
    return (f"function {tool} --wraps {tool}\n    if {tests}\n        slopspotter-lab guard -- {tool} $argv\n"
            f"    else\n        command {tool} $argv\n    end\nend")


def aliases(shell: str) -> str:
    """Functions for bash/zsh (same syntax) or fish; `python -m pip` is left alone (say so)."""
    if shell in ("bash", "zsh"):
        body = "\n".join(_bash(t, s) for t, s in GUARDED.items())
        rc = "~/.bashrc" if shell == "bash" else "~/.zshrc"
        return f"# slopspotter-lab guard: add to {rc} (or eval \"$(slopspotter-lab guard --print-alias {shell})\")\n{body}"
    if shell == "fish":
        body = "\n".join(_fish(t, s) for t, s in GUARDED.items())
        return f"# slopspotter-lab guard: add to ~/.config/fish/config.fish\n{body}"
    raise InputError(f"unknown shell {shell!r}: bash, zsh or fish")
