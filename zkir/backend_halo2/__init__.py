"""From a plonk.circuit to the prover: constraint system, keys, witness."""
