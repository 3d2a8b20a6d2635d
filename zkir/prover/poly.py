"""Evaluation domains: the subgroup H of size n = 2^k and its extended coset.

Why: columns live in Lagrange form on H; constraints are evaluated on the coset
g * H_ext (|H_ext| = n * 2^e, 2^e >= max degree - 1) where the vanishing
polynomial Z_H(X) = X^n - 1 has no zeros, so the quotient is a pointwise
division.  A rotation by r rows of H is a cyclic shift by r * 2^e on H_ext.
"""

from __future__ import annotations

import numpy as np

from . import field as F
from .ntt import intt, ntt

P = F.P


def _threads() -> int:
    import os

    env = os.environ.get("ZKIR_PROVER_THREADS")
    return max(1, int(env)) if env else max(1, min(os.cpu_count() or 1, 8))


class Domain:
    """The multiplicative subgroup H (n = 2^k) plus an extended coset domain."""

    def __init__(self, k: int, ext_log: int = 1):
        if k < 1 or k > 28:
            raise ValueError(f"domain size 2^{k} out of range")
        self.k = k
        self.n = 1 << k
        self.omega = F.root_of_unity(k)
        self.omega_inv = F.inv(self.omega)
        self.n_inv = F.inv(self.n)
        self.ext_log = ext_log
        self.ext_k = k + ext_log
        self.ext_n = 1 << self.ext_k
        self.ext_factor = 1 << ext_log
        self.g = F.GENERATOR
        self.g_inv = F.inv(self.g)
        self._coset_pows: np.ndarray | None = None
        self._coset_inv_pows: np.ndarray | None = None
        self._zh_inv: np.ndarray | None = None

    # -- basis changes ------------------------------------------------------
    def lagrange_to_coeff(self, evals: np.ndarray) -> np.ndarray:
        assert evals.shape[0] == self.n
        return intt(evals)

    def coeff_to_lagrange(self, coeffs: np.ndarray) -> np.ndarray:
        assert coeffs.shape[0] == self.n
        return ntt(coeffs)

    def coset_powers(self) -> np.ndarray:
        if self._coset_pows is None:
            self._coset_pows = F.powers(self.g, self.ext_n)
        return self._coset_pows

    def coeff_to_extended(self, coeffs: np.ndarray) -> np.ndarray:
        """Evaluations of the polynomial on the coset g * H_ext."""
        m = coeffs.shape[0]
        if m > self.ext_n:
            raise ValueError("polynomial larger than the extended domain")
        a = F.zeros(self.ext_n)
        F._vmul(np.ascontiguousarray(coeffs), self.coset_powers()[:m], a[:m])
        return ntt(a, inplace=True)

    def extended_to_coeff(self, evals: np.ndarray) -> np.ndarray:
        """Inverse of coeff_to_extended (all ext_n coefficients)."""
        a = intt(evals)
        if self._coset_inv_pows is None:
            self._coset_inv_pows = F.powers(self.g_inv, self.ext_n)
        F._vmul(a, self._coset_inv_pows, a)
        return a

    def lagrange_to_extended(self, evals: np.ndarray) -> np.ndarray:
        return self.coeff_to_extended(self.lagrange_to_coeff(evals))

    def lagrange_to_coeff_and_extended(self, columns: list[np.ndarray]
                                       ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(coefficients, coset evaluations) of many columns, on parallel threads
        (the numba kernels release the GIL)."""
        self.coset_powers()  # build shared tables before the threads start
        if columns:  # warm the twiddle caches once, not once per thread
            intt(F.zeros(self.n))
            ntt(F.zeros(self.ext_n))

        def one(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            c = self.lagrange_to_coeff(v)
            return c, self.coeff_to_extended(c)

        workers = min(len(columns), _threads())
        if workers <= 1:
            return [one(v) for v in columns]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(one, columns))

    # -- vanishing polynomial ----------------------------------------------
    def zh_inv_on_coset(self) -> np.ndarray:
        """1 / Z_H(x) for x in the extended coset (a period-2^e vector, tiled)."""
        if self._zh_inv is None:
            # x_i^n = g^n * w_ext^(i*n); w_ext^n has order 2^e
            gn = pow(self.g, self.n, P)
            w = pow(F.root_of_unity(self.ext_k), self.n, P)
            vals = [(gn * pow(w, i, P) - 1) % P for i in range(self.ext_factor)]
            inv = F.from_ints([F.inv(v) for v in vals])
            self._zh_inv = np.ascontiguousarray(np.tile(inv, (self.n, 1)))
        return self._zh_inv

    def divide_by_vanishing(self, ext_evals: np.ndarray) -> np.ndarray:
        return F.mul(ext_evals, self.zh_inv_on_coset())

    def rotate_extended(self, ext_evals: np.ndarray, rot: int) -> np.ndarray:
        """Evaluations of p(omega^rot X) on the coset from those of p(X)."""
        if rot == 0:
            return ext_evals
        return np.roll(ext_evals, -rot * self.ext_factor, axis=0)

    # -- points -------------------------------------------------------------
    def rotate_point(self, x: int, rot: int) -> int:
        w = self.omega if rot >= 0 else self.omega_inv
        return x * pow(w, abs(rot), P) % P

    def vanishing_at(self, x: int) -> int:
        return (pow(x, self.n, P) - 1) % P

    def lagrange_at(self, x: int, rows: list[int]) -> list[int]:
        """L_i(x) for the requested rows i of H (x must not be in H)."""
        zh = self.vanishing_at(x)
        if zh == 0:
            raise ValueError("evaluation point lies in H")
        pts = [pow(self.omega, i % self.n, P) for i in rows]
        dens = [self.n * (x - w) % P for w in pts]
        invs = _batch_inv_ints(dens)
        return [w * zh % P * d % P for w, d in zip(pts, invs)]

    def lagrange_vector_at(self, x: int) -> np.ndarray:
        """All n Lagrange basis values L_i(x), vectorised (field vector)."""
        zh = self.vanishing_at(x)
        if zh == 0:
            raise ValueError("evaluation point lies in H")
        w = F.powers(self.omega, self.n)
        den = F.mul_scalar(F.add_scalar(F.neg(w), x), self.n)  # n (x - w^i)
        return F.mul_scalar(F.mul(w, F.batch_inv(den)), zh)


def _batch_inv_ints(xs: list[int]) -> list[int]:
    if not xs:
        return []
    pre = []
    acc = 1
    for x in xs:
        pre.append(acc)
        acc = acc * x % P
    inv = F.inv(acc)
    out = [0] * len(xs)
    for i in range(len(xs) - 1, -1, -1):
        out[i] = inv * pre[i] % P
        inv = inv * xs[i] % P
    return out


def evaluate(coeffs: np.ndarray, x: int) -> int:
    """p(x) for a polynomial in coefficient form."""
    return F.horner(coeffs, x)


def evaluate_lagrange(evals: np.ndarray, domain: Domain, x: int) -> int:
    """p(x) for a polynomial given by its values on H (barycentric)."""
    return F.dot(evals, domain.lagrange_vector_at(x))
