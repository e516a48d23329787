"""Why a phase did not succeed, in one machine-readable word, read from its status and the output
tail the runner kept (the last 2000 bytes of pip / npm / importer output).

The reasons are meant for counting across many scans (which failures are the sandbox's to fix,
which are the package's own), so the order of the rules matters: the most specific first. A
phase that succeeded has no reason (None). Standard library only.

  timeout, killed                 the phase's status says so
  install_failed                  import/execute skipped because install did not succeed
  no_module_to_import             install worked but named no top-level module
  no_entry_points, disabled       execute skipped: no console scripts / bin entries, or turned off
  needs_newer_python              pip: the package requires a newer Python than the image's
  needs_other_python              pip: the package requires an older/other Python
  python2_syntax                  a SyntaxError of Python 2 code (print statement, `except X, e`, ...)
  python2_only                    imports a Python-2-only module (urllib2, ConfigParser, ...)
  windows_only                    imports, calls or reads (USERPROFILE, APPDATA) what exists only on Windows
  missing_dependency              a dependency could not be found offline, or is not installed
  disk_full                       the sandbox's scratch space ran out (big wheels, or a disk filler)
  not_installable                 pip found no project in it / an unsupported wheel
  build_failed                    the build backend failed (setup.py / PEP 517 hook errors)
  import_error                    the import raised something else
  exit_nonzero                    a phase command exited non-zero for another reason
"""

from __future__ import annotations

import re

PY2_MODULES = ("urllib2", "urlparse", "cookielib", "ConfigParser", "StringIO", "cStringIO", "HTMLParser",
               "Queue", "commands", "httplib", "Tkinter", "tkMessageBox", "_winreg", "thread", "cPickle",
               "SocketServer", "BaseHTTPServer", "SimpleHTTPServer", "xmlrpclib", "__builtin__")
WINDOWS_MODULES = ("winreg", "msvcrt", "win32api", "win32con", "win32gui", "win32crypt", "win32process",
                   "win32clipboard", "win32com", "pythoncom", "pywintypes", "wmi", "_winapi", "winshell",
                   "win32file", "win32security", "winerror", "pywinauto")
_NO_MODULE = re.compile(r"No module named '?([\w.]+)'?")
_PY2_SYNTAX = re.compile(
    r"Missing parentheses in call to '(?:print|exec)'|"
    r"^\s*print\s+['\"\w].*\n\s*\^|"
    r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:.*\n\s*\^|"
    r"^\s*exec\s+['\"\w].*\n\s*\^|"
    r"invalid token.*\n.*0[0-7]+|"
    r"leading zeros in decimal integer literals|"
    r"^\s*raise\s+\w+\s*,.*\n\s*\^|"
    r"multiple exception types must be parenthesized", re.M)
_PYTHON_REQ = re.compile(r"requires a different Python: ([\d.]+) not in '([^']*)'")


def _python_reason(tail: str) -> str | None:
    m = _PYTHON_REQ.search(tail)
    if not m:
        return None
    spec = m.group(2).replace(" ", "")
    newer = re.search(r">=?3\.(\d+)", spec)
    return "needs_newer_python" if newer and int(newer.group(1)) > 11 else "needs_other_python"


def _module_reason(tail: str) -> str | None:
    """python2_only / windows_only / missing_dependency from the last missing module named."""
    missing = _NO_MODULE.findall(tail)
    if not missing:
        if re.search(r"has no attribute '(?:windll|WinDLL|startfile|getwindowsversion)'|\[WinError|"
                     r"KeyError: '(?:USERPROFILE|APPDATA|LOCALAPPDATA|WINDIR|SYSTEMROOT|PROGRAMDATA|COMPUTERNAME)'|"
                     r"cannot import name '(?:windll|WinDLL|wintypes|winreg|oledll)'|No module named '_winreg'", tail):
            return "windows_only"
        return None
    top = missing[-1].split(".")[0]
    if top in PY2_MODULES:
        return "python2_only"
    if top in WINDOWS_MODULES or top.startswith("win32"):
        return "windows_only"
    return "missing_dependency"


def failure_reason(phase: dict) -> str | None:
    """The one-word reason a phase record (name, status, output_tail) did not succeed, or None."""
    status = phase.get("status")
    if status == "ok":
        return None
    tail = str(phase.get("output_tail") or "")
    if status == "timeout":
        return "timeout"
    if status == "killed":
        return "killed"
    if status == "skipped":
        if "install did not succeed" in tail:
            return "install_failed"
        if "no top-level modules" in tail:
            return "no_module_to_import"
        if "disabled" in tail:
            return "disabled"
        if "console scripts" in tail or "bin entries" in tail:
            return "no_entry_points"
        return "skipped"
    python = _python_reason(tail)
    if python:
        return python
    if "SyntaxError" in tail and _PY2_SYNTAX.search(tail):
        return "python2_syntax"
    module = _module_reason(tail)
    if module:
        return module
    if re.search(r"No matching distribution found|Could not find a version that satisfies|"
                 r"Could not find suitable distribution|fetch_build_egg|"
                 r"ResolutionImpossible|Cannot find module|ETARGET|notarget|ENOTCACHED", tail):
        return "missing_dependency"
    if re.search(r"No space left on device|\[Errno 28\]", tail):
        return "disk_full"
    if re.search(r"does not appear to be a Python project|neither 'setup\.py' nor 'pyproject\.toml'|"
                 r"is not a valid wheel filename|is not a supported wheel|Invalid wheel filename|"
                 r"File \S+ does not exist|Could not install packages due to an OSError", tail):
        return "not_installable"
    if phase.get("name") == "install":
        if re.search(r"subprocess-exited-with-error|Failed building wheel|metadata-generation-failed|"
                     r"error: command|Traceback|SyntaxError|npm ERR!|npm error", tail):
            return "build_failed"
        return "install_failed"
    if phase.get("name") == "import":
        return "import_error"
    return "exit_nonzero"


def annotate(phases: list[dict]) -> list[dict]:
    """The phase records with `failure_reason` set (None for a phase that succeeded)."""
    return [{**p, "failure_reason": failure_reason(p)} for p in phases]
