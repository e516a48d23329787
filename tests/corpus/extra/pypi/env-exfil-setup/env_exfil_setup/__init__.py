"""Synthetic test package (slopspotter-lab); harmless imitation."""
VERSION = "0.1.0"
