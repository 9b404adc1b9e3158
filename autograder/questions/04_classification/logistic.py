"""04_classification, logistic regression: the binary cross-entropy, the lecture's table by hand,
dL/dz of the sigmoid followed by the cross-entropy (derived), and the logistic gradient."""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from coursekit import losses

ASSIGNMENT = __name__.split(".")[2]   # "04_classification", the assignment of this answer-key package

# ---------------------------------------------------------------- logistic regression

def _bce_trials(rng, v):
    trials = []
    for n in (6, 15, 1):
        trials.append((rng.uniform(0.02, 0.98, size=n), rng.integers(0, 2, size=n).astype(float)))
    return trials


def _bce_edge_trials(rng, v):
    return [
        (np.array([0.0, 1.0, 0.3]), np.array([0.0, 1.0, 1.0])),   # 0·log 0 terms count as 0
        (np.array([0.0, 0.5]), np.array([1.0, 0.0])),               # a certain, wrong prediction: +∞
        (rng.uniform(0.01, 0.99, size=30), rng.uniform(0, 1, size=30)),  # soft targets
    ]


def _bce_sum(p, y):
    return losses.binary_cross_entropy(p, y, reduction="sum")


_BCE_HINTS = {
    "default": ("Two terms per sample, one for each possible label, averaged over the samples.",
                "L = −(1/n) Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)]."),
    "sum": "Average over the samples (divide by n) instead of summing.",
    "wrong_sign": "The logarithms of probabilities are negative: put a minus sign in front so the loss is ≥ 0.",
}


@question(f"{ASSIGNMENT}.binary_cross_entropy", kind="function", points=2, rtol=1e-8,
          inputs=_bce_trials, mistakes={"sum": lambda v: _bce_sum}, hints=_BCE_HINTS)
def binary_cross_entropy(v):
    """Reference: coursekit.losses.binary_cross_entropy (mean)."""
    return losses.binary_cross_entropy


hidden_twin(f"{ASSIGNMENT}.binary_cross_entropy", rtol=1e-8,
         inputs=_bce_edge_trials,
         hints={"default": ("Try probabilities of exactly 0 and 1, and soft targets between 0 and 1.",
                            "A term whose weight y or 1 − y is zero contributes nothing, even where its log "
                            "is −∞ (0·(−∞) is NaN in NumPy: select instead of multiplying); a certain "
                            "wrong prediction costs +∞.")})


def _bce_rows(v):
    """The predictions ŷ and labels y of the student's binary cross-entropy table (the lecture's is in
    lecture 002, slide "Binary Cross-Entropy loss")."""
    return np.array(v["bce_predictions"], dtype=float), np.array(v["bce_labels"], dtype=float)


def _bce_table_with(v, log=np.log, sign=-1.0):
    """Per-row terms and their mean, computed with a given logarithm and sign (for the declared slips)."""
    p, y = _bce_rows(v)
    terms = sign * (y * log(p) + (1 - y) * log(1 - p))
    return {"terms": terms, "mean": float(np.mean(terms))}


@question(f"{ASSIGNMENT}.bce_table", kind="array", points=2, rtol=1e-3, atol=1e-4,
          mistakes={"log10": lambda v: _bce_table_with(v, log=np.log10),
                    "no_minus": lambda v: _bce_table_with(v, sign=1.0),
                    "sum": lambda v: {"mean": float(np.sum(_bce_table_with(v)["terms"]))}},
          hints={"default": ("Row by row: which of the two terms survives for that label?",
                             "For y = 1 the row costs −log ŷ, for y = 0 it costs −log(1 − ŷ) (natural "
                             "logarithms); the loss is the mean of the four; give at least four significant "
                             "digits."),
                 "log10": "Use the natural logarithm ln (np.log), not the base-ten one.",
                 "no_minus": "The logarithms of probabilities are negative: the minus sign in front makes every "
                             "row's loss positive.",
                 "sum": "The loss is the mean of the rows, not their sum."})
def bce_table(v):
    """Each row's binary cross-entropy and their mean for the student's table, from coursekit.losses."""
    p, y = _bce_rows(v)
    terms = losses.binary_cross_entropy(p, y, reduction="none")
    return {"terms": terms, "mean": float(np.mean(terms))}


#: One sample's binary cross-entropy as a function of its score z, with p = σ(z) written out.
BCE_OF_SCORE = "-(y*log(1/(1 + exp(-z))) + (1 - y)*log(1 - 1/(1 + exp(-z))))"
_SIGMA = "1/(1 + exp(-z))"


@question(f"{ASSIGNMENT}.bce_score_derivative", kind="expression", points=2,
          derivative_of=(BCE_OF_SCORE, "z"),
          mistakes={"stopped_at_p": lambda v: f"-y/({_SIGMA}) + (1 - y)/(1 - {_SIGMA})",
                    "reversed_residual": lambda v: f"y - {_SIGMA}",
                    "one_term": lambda v: f"-y*(1 - {_SIGMA})"},
          hints={"default": ("Two links of the chain: the loss as a function of p, and p = σ(z) as a "
                             "function of z. Write σ′ with σ itself, then simplify.",
                             "dL/dz = (dL/dp)·σ′(z) with σ′ = σ(1 − σ) (assignment 01) and (log u)′ = u′/u; "
                             "put the two fractions over one denominator: the factors σ and 1 − σ cancel."),
                 "stopped_at_p": ("That is the derivative with respect to p: one link of the chain is missing.",
                                  "Multiply by dp/dz = σ′(z) = σ(1 − σ), then simplify."),
                 "reversed_residual": ("Check the sign: the binary cross-entropy carries a minus sign in front.",
                                       "The loss grows when p moves away from y: for y = 1 its derivative "
                                       "with respect to z must be negative, since a larger score helps."),
                 "one_term": ("Both terms of the loss depend on z, also the one weighted by 1 − y.",
                              "Differentiate y·log σ(z) and (1 − y)·log(1 − σ(z)); (log(1 − σ))′ = −σ′/(1 − σ).")})
def bce_score_derivative(v):
    """dL/dz = σ(z) − y for L = −[y log σ(z) + (1 − y) log(1 − σ(z))]: prediction minus target."""
    return f"{_SIGMA} - y"


def _reference_logistic_gradient(X, y, w):
    X = np.asarray(X, dtype=float)
    return X.T @ losses.binary_cross_entropy_with_logits_grad(X @ w, np.asarray(y, dtype=float))


def _logistic_gradient_sum(X, y, w):
    return _reference_logistic_gradient(X, y, w) * len(y)


def _logistic_trials(rng, v):
    trials = []
    for n, d in ((10, 3), (25, 2), (4, 5)):
        trials.append((rng.normal(size=(n, d)), rng.integers(0, 2, size=n), rng.normal(size=d)))
    return trials


@question(f"{ASSIGNMENT}.logistic_gradient", kind="function", points=2, rtol=1e-8, atol=1e-12,
          inputs=_logistic_trials, mistakes={"sum": lambda v: _logistic_gradient_sum},
          hints={"default": ("Your ∂L/∂z for one sample, then the chain rule through z = wᵀx, averaged "
                             "over the samples.",
                             "∂zᵢ/∂w_j is feature j of sample i, and the mean's 1/n stays in front: in "
                             "matrix form, as for the MSE in assignment 03, the transposed inputs times "
                             "the vector of your per-sample ∂L/∂zᵢ."),
                 "sum": "The loss is a mean over the n samples: divide by n.",
                 "wrong_sign": "Check the sign against your dL/dz: prediction minus target, not the reverse."})
def logistic_gradient(v):
    """Reference: Xᵀ times coursekit's ∂L/∂z of the BCE with logits."""
    return _reference_logistic_gradient


hidden_twin(f"{ASSIGNMENT}.logistic_gradient", rtol=1e-8, atol=1e-12,
         inputs=lambda rng, v: [(rng.normal(size=(40, 3)) * 50, rng.integers(0, 2, size=40), rng.normal(size=3)),
                                (np.ones((3, 2)), np.array([1, 1, 1]), np.zeros(2))],
         hints={"default": ("Try very large scores and w = 0.",
                            "A sigmoid that overflows for large scores gives NaN gradients: use a stable "
                            "one.")}
         )
