// Synthetic test package (slopspotter-lab); harmless imitation.
module.exports = {};
