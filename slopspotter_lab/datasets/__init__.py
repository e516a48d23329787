"""Dataset builders: typosquat candidate lists ready for `slopspotter-lab batch`."""

from .typosquats import candidates_frame, check_existence, write_candidates

__all__ = ["candidates_frame", "check_existence", "write_candidates"]
