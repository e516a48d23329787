"""Synthetic test package (slopspotter-lab); harmless imitation."""
def add(a, b):
    return a + b
