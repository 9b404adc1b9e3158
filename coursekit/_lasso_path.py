"""Exact lasso solutions by the homotopy (LARS-lasso) path.

Gradient methods for the lasso (ISTA, coordinate descent) converge slowly when features are
nearly collinear, as polynomial features are: thousands of steps and still far from the
optimum. The homotopy method instead follows the solution w(λ) exactly, from w = 0 at λ_max
down to the requested λ, one breakpoint at a time (a handful for small problems), with one
small least-squares solve each. :func:`coursekit.linear.lasso` uses it by default, and the
overfitting explorer keeps one whole path per fit so that its λ slider is a lookup.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LassoPath", "lasso_homotopy", "lasso_path"]


def lasso_homotopy(X: np.ndarray, y: np.ndarray, lam: float, max_breakpoints: int | None = None
                   ) -> np.ndarray:
    """Minimise (1/ℓ)‖Xw − y‖² + λ‖w‖₁ exactly by following the lasso path.

    Parameters
    ----------
    X : ndarray, shape (ℓ, d)
        Features (float64). The columns of every active set must be linearly independent:
        true for data in general position, and for powers of distinct positive x as in
        polynomial features; not for duplicated columns.
    y : ndarray, shape (ℓ,)
        Targets.
    lam : float
        Strength λ > 0.
    max_breakpoints : int, optional
        Safety bound on the number of path segments (default 20·d).

    Returns
    -------
    ndarray, shape (d,)
        The weights w; weights outside the active set are exactly 0.

    Raises
    ------
    ValueError
        If λ is not positive or the path does not end within ``max_breakpoints`` segments.
    numpy.linalg.LinAlgError
        If the columns of an active set are linearly dependent.

    Notes
    -----
    The optimum is characterised by the lasso's optimality conditions on the correlations
    c = (2/ℓ)Xᵀ(y − Xw): cⱼ = λ·sign(wⱼ) where wⱼ ≠ 0 and |cⱼ| ≤ λ where wⱼ = 0. On a stretch
    of λ where the active set A and its signs s do not change, these give

        w_A(λ) = (X_AᵀX_A)⁻¹(X_Aᵀy − (ℓ/2)·λ·s),

    linear in λ. The path starts at λ_max = max|cⱼ(0)| with w = 0 and goes down; a weight
    enters A when its |cⱼ| reaches λ and leaves when it crosses 0. The columns are scaled to
    unit norm first (the penalty is rescaled to match, so the problem is unchanged), which
    keeps the small solves accurate for features of very different sizes.
    """
    return lasso_path(X, y, lam, max_breakpoints).weights(lam)


@dataclass(frozen=True)
class LassoPath:
    """The lasso solutions w(λ) for every λ ≥ ``lam_min``: linear between breakpoints.

    Attributes
    ----------
    knots : ndarray, shape (k + 1,)
        Breakpoints λ_max = knots[0] > knots[1] > … > knots[k] ≤ lam_min (the last one is
        lam_min itself when the path did not break below it).
    active : list of ndarray
        The active weights' indices on each of the k segments.
    a, b : list of ndarray
        On segment i, w_active = (a[i] − λ·b[i]) / scale[active[i]].
    scale : ndarray, shape (d,)
        Column norms of the features.
    lam_min : float
        The smallest λ the path reaches.
    """

    knots: np.ndarray
    active: list
    a: list
    b: list
    scale: np.ndarray
    lam_min: float

    def weights(self, lam: float) -> np.ndarray:
        """The exact lasso weights w(λ), shape (d,), for λ ≥ ``lam_min``."""
        if not lam > 0 or lam < self.lam_min:
            raise ValueError(f"lam must be at least {self.lam_min} on this path, got {lam}")
        v = np.zeros(len(self.scale))
        if lam >= self.knots[0]:
            return v
        segment = min(int(np.searchsorted(-self.knots, -lam, side="right")) - 1,
                      len(self.active) - 1)
        active = self.active[segment]
        v[active] = self.a[segment] - lam * self.b[segment]
        return v / self.scale


def lasso_path(X: np.ndarray, y: np.ndarray, lam_min: float,
               max_breakpoints: int | None = None) -> LassoPath:
    """Follow the lasso path of (1/ℓ)‖Xw − y‖² + λ‖w‖₁ from λ_max down to ``lam_min``.

    Parameters and method as in :func:`lasso_homotopy`; one path answers every λ ≥ lam_min
    (a slider over λ then costs a lookup).

    Returns
    -------
    LassoPath
    """
    if not lam_min > 0:
        raise ValueError(f"lam must be positive, got {lam_min}")
    n, d = X.shape
    scale = np.linalg.norm(X, axis=0)
    scale[scale == 0] = 1.0
    B = X / scale  # w = v / scale: penalty λ Σ |v_j| / scale_j, conditions on c_j·scale_j
    correlation = 2.0 / n * (B.T @ y) * scale
    level = float(np.max(np.abs(correlation)))
    knots, actives, starts, slopes = [level], [], [], []
    if lam_min >= level:
        return LassoPath(np.array(knots), actives, starts, slopes, scale, lam_min)
    active = [int(np.argmax(np.abs(correlation)))]
    signs = [float(np.sign(correlation[active[0]]))]
    changed = active[0]  # the weight that just joined or left: its event is the current level
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(max_breakpoints or 20 * d):
            a, b = _segment(B, y, scale, active, signs)
            actives.append(np.array(active))
            starts.append(a)
            slopes.append(b)
            # v_A(λ) = a − λ b; the correlations of the others are p + λ q.
            p = 2.0 / n * (B.T @ (y - B[:, active] @ a)) * scale
            q = 2.0 / n * (B.T @ (B[:, active] @ b)) * scale
            # With ℓ active weights the fit is square: the residual, and with it every other
            # correlation, is proportional to λ, so nothing more joins (rounding says otherwise).
            joining, join_at, join_sign = (-1, -np.inf, 0.0)
            if len(active) < n:
                joining, join_at, join_sign = _next_join(p, q, active, level, changed)
            leaving, leave_at = _next_leave(a, b, active, level, changed)
            following = max(join_at, leave_at)
            if following <= lam_min:
                knots.append(lam_min)
                return LassoPath(np.array(knots), actives, starts, slopes, scale, lam_min)
            knots.append(following)
            if join_at >= leave_at:
                active.append(joining)
                signs.append(join_sign)
                changed = joining
            else:
                changed = active[leaving]
                del active[leaving], signs[leaving]
            level = following
    raise ValueError(f"the lasso path did not reach lam = {lam_min} within the step limit")


def _segment(B, y, scale, active, signs):
    """a and b of v_A(λ) = a − λb, by one QR factorisation of the active columns."""
    n = len(y)
    q, r = np.linalg.qr(B[:, active])
    weights = np.asarray(signs) / scale[active]
    a, b = np.linalg.solve(r, np.column_stack([q.T @ y,
                                                n / 2.0 * np.linalg.solve(r.T, weights)])).T
    return a, b


def _ceiling(size, level, changed_at):
    """The λ below which events count: just under ``level``, further under for the weight that
    just changed (its own event sits at ``level`` and must not be found again by rounding)."""
    ceiling = np.full(size, level * (1 - 1e-10))
    if changed_at is not None:
        ceiling[changed_at] = level * (1 - 1e-6)
    return ceiling


def _next_join(p, q, active, level, changed):
    """(index, λ, sign) of the next inactive weight whose |p + λq| reaches λ below ``level``."""
    is_inactive = np.ones(len(p), dtype=bool)
    is_inactive[active] = False
    inactive = np.flatnonzero(is_inactive)
    position = np.flatnonzero(inactive == changed)
    ceiling = _ceiling(len(inactive), level, position[0] if position.size else None)
    best, best_at, best_sign = -1, -np.inf, 0.0
    for sign in (1.0, -1.0):
        at = p[inactive] / (sign - q[inactive])
        at[~np.isfinite(at) | (at >= ceiling) | (at <= 0)] = -np.inf
        if at.size and at.max() > best_at:
            k = int(np.argmax(at))
            best, best_at, best_sign = int(inactive[k]), float(at[k]), sign
    return best, best_at, best_sign


def _next_leave(a, b, active, level, changed):
    """(position in the active set, λ) of the next active weight that crosses 0 below ``level``."""
    position = active.index(changed) if changed in active else None
    at = a / b
    at[~np.isfinite(at) | (at >= _ceiling(len(a), level, position)) | (at <= 0)] = -np.inf
    k = int(np.argmax(at))
    return k, float(at[k])
