"""zkir.prover: a halo2-style PLONKish proving system over KZG / BLS12-381.

Public API (everything else is internal):

    cs = ConstraintSystem(); a = cs.advice_column("a"); q = cs.selector("q")
    cs.create_gate("mul", q.cur() * (a.cur() * b.cur() - c.cur()))
    cs.add_lookup("range", [a.cur()], [table_col]); cs.enable_equality(a, c)
    srs = SRS.generate(k)                              # or a ceremony file (zkir.prover.ceremony)
    pk, vk = keygen(srs, cs, fixed=[...], copies=[((a, 0), (c, 3))])
    MockProver(cs, k, advice, fixed, instance, copies=...).verify()  # -> [Failure]
    proof = prove(pk, advice=[np.array(...)], instance=[...])
    verify(vk, instance, proof)                        # True or VerificationError

Conventions circuit writers must know (the mock prover checks all of them):
  * rows 0 .. usable-1 are yours (usable = 2^k - cs.blinding_factors() - 1);
    advice rows from `usable` on are random blinding values, so every gate must
    be switched off there (selectors are fixed columns that are 0 there);
  * gates must hold on every row, including wrap-around rotations;
  * lookups check rows 0 .. usable-1 only; the table must fit in those rows and
    contain whatever unselected inputs evaluate to (usually 0: use q * a);
  * copy constraints may only name usable rows of equality-enabled columns;
  * witness values: int64 arrays (negative v is p - |v|), object arrays of
    Python ints, or (m, 4) uint64 Montgomery field vectors (zkir.prover.field).
Protocol: halo2-style PLONKish arithmetisation, logUp lookups, permutation
argument chunked by degree - 2 columns, quotient on an extended coset,
KZG over BLS12-381 with GWC multi-point opening, Blake2b Fiat-Shamir.
"""

from .constraint_system import ConstraintSystem, Gate, Lookup
from .errors import (CircuitError, InsecureSetupError, ProofFormatError, ProverError, SynthesisError,
                     VerificationError)
from .expression import (Column, Constant, Expression, Neg, Product, Query, Scaled, Sum)
from .keygen import ProvingKey, VerifyingKey, keygen, pk_from_bytes, pk_to_bytes, vk_from_bytes, vk_to_bytes
from .kzg import SRS
from .mock import Failure, MockProver
from .prover import prove
from .verifier import verify

__all__ = [
    "ConstraintSystem", "Gate", "Lookup", "Column", "Constant", "Expression", "Neg", "Product",
    "Query", "Scaled", "Sum", "SRS", "keygen", "ProvingKey", "VerifyingKey", "prove", "verify",
    "MockProver", "Failure", "vk_to_bytes", "vk_from_bytes", "pk_to_bytes", "pk_from_bytes",
    "ProverError", "VerificationError", "ProofFormatError", "CircuitError", "SynthesisError",
    "InsecureSetupError",
]
