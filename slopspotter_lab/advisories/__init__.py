"""Known-malware feeds: is this exact name and version already on a malware list?

The cheapest strong signal there is. `osv.py` asks the OSV API (`querybatch`) when online and
reads an offline OSV export (`slopspotter-lab data update --osv ECOSYSTEM`) when one was
downloaded; a hit is a `known_malicious` critical indicator naming the advisory.
"""

from .osv import known_malicious, prefetch

__all__ = ["known_malicious", "prefetch"]
