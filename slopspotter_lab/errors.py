"""Exceptions that map to the CLI exit codes of the contract (DESIGN 4.1).

0 ran, 1 internal error, 2 usage or input error, 3 the requested backend is unavailable.
"""


class SlopspotterError(Exception):
    """Base class; anything else escaping to the CLI is an internal error (exit 1)."""

    exit_code = 1


class InputError(SlopspotterError, ValueError):
    """Bad user input: malformed or hostile name, unknown ecosystem, broken archive path."""

    exit_code = 2


class BackendUnavailable(SlopspotterError, RuntimeError):
    """The requested sandbox backend cannot run here; the message says why."""

    exit_code = 3


class RegistryError(SlopspotterError, RuntimeError):
    """The registry could not be reached or answered nonsense (never 'does not exist')."""

    exit_code = 1


class UnsafeArchiveError(SlopspotterError, ValueError):
    """An archive tried to escape its target or blow a size cap."""

    exit_code = 2


class MissingExtraError(SlopspotterError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    exit_code = 3


def require(module: str, extra: str):
    """Import an optional dependency or raise an error naming the pip extra that brings it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError(
            f"{module!r} is not installed; install it with: pip install 'slopspotter-lab[{extra}]'"
        ) from exc
