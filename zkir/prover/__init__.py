"""zkir.prover: a halo2-style PLONKish proving system over KZG / BLS12-381.

Public API (everything else is internal):

    cs = ConstraintSystem(); a = cs.advice_column("a"); q = cs.selector("q")
    cs.create_gate("mul", q.cur() * (a.cur() * b.cur() - c.cur()))
    cs.add_lookup("range", [a.cur()], [table_col]); cs.enable_equality(a, c)
    srs = SRS.insecure_from_seed(k)                    # tests only
    pk, vk = keygen(srs, cs, fixed=[...], copies=[((a, 0), (c, 3))])
    MockProver(cs, k, advice, fixed, instance, copies=...).verify()  # -> [Failure]
    proof = prove(pk, advice=[np.array(...)], instance=[...])
    verify(vk, instance, proof)                        # True or VerificationError
"""

from .constraint_system import ConstraintSystem, Gate, Lookup
from .errors import (CircuitError, ProofFormatError, ProverError, SynthesisError,
                     VerificationError)
from .expression import (Column, Constant, Expression, Neg, Product, Query, Scaled, Sum)
from .keygen import ProvingKey, VerifyingKey, keygen
from .kzg import SRS
from .mock import Failure, MockProver
from .prover import prove
from .serialize import pk_from_bytes, pk_to_bytes, vk_from_bytes, vk_to_bytes
from .verifier import verify

__all__ = [
    "ConstraintSystem", "Gate", "Lookup", "Column", "Constant", "Expression", "Neg", "Product",
    "Query", "Scaled", "Sum", "SRS", "keygen", "ProvingKey", "VerifyingKey", "prove", "verify",
    "MockProver", "Failure", "vk_to_bytes", "vk_from_bytes", "pk_to_bytes", "pk_from_bytes",
    "ProverError", "VerificationError", "ProofFormatError", "CircuitError", "SynthesisError",
]
