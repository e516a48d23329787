"""Synthetic test package (slopspotter-lab); harmless imitation."""
import platform, json
INFO = json.dumps({"python": platform.python_version()})
