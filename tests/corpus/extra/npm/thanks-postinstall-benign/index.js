// Synthetic test package (slopspotter-lab); harmless imitation.
module.exports = (a, b) => a + b;
