"""Halo2-style constraint systems, keys and witnesses for zkir's own prover, from a plonk.circuit.

The name follows the design's sketch (a halo2 backend); nothing here calls halo2:
`constraint_builder` turns gate and lookup bodies into zkir.prover Expressions,
`circuit_plan` lays every placement out once (fixed columns, copies, pinned
weights, wiring checks), and `witness` fills the advice and instance columns.
"""
