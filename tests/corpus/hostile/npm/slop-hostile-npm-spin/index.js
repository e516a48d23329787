// SYNTHETIC hostile test package for slopspotter-lab: spins forever at require time.
// Only the sandbox's phase deadline ends it.
for (;;) {}
