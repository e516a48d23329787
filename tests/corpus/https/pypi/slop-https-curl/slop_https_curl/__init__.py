# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
VERSION = "0.1.0"
