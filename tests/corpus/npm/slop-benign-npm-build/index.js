// SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
module.exports = { add: (a, b) => a + b };
