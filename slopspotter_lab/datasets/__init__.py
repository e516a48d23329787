"""Datasets: typosquat candidate lists ready for `slopspotter-lab batch`, and the labelled
corpus as a feature matrix (what the calibration notebooks fit on)."""

from .labelled import feature_matrix, labelled_rows
from .typosquats import candidates_frame, check_existence, write_candidates

__all__ = ["candidates_frame", "check_existence", "write_candidates", "feature_matrix", "labelled_rows"]
