"""SYNTHETIC: a bounded memory hog at import - touches up to 3 GiB in 64 MiB chunks. Contained by
the sandbox's memory limit (OOM kill or MemoryError)."""
chunks = []
for _ in range(48):
    chunks.append(bytearray(64 << 20))
    chunks[-1][::4096] = b"x" * len(range(0, 64 << 20, 4096))
