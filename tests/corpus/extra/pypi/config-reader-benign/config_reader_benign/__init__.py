"""Synthetic test package (slopspotter-lab); harmless imitation."""
import os, pathlib
CONFIG = pathlib.Path(os.environ.get("XDG_CONFIG_HOME", os.path.expanduser("~/.config"))) / "config-reader-benign.toml"
SETTINGS = CONFIG.read_text() if CONFIG.exists() else ""
