"""04_classification, softmax and cross-entropy: the softmax of the student's logits, the
cross-entropies (predicted, then by hand), their derivatives by the logits (derived) and the
multi-class linear classifier's gradient."""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from coursekit import losses

ASSIGNMENT = __name__.split(".")[2]   # "04_classification", the assignment of this answer-key package

# ---------------------------------------------------------------- softmax and cross-entropy

def _normalised_logits(v):
    """The raw scores divided by their sum (inf where that sum is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(v["logits"], dtype=float) / np.sum(v["logits"])


@question(f"{ASSIGNMENT}.softmax_example", kind="array", points=1, rtol=1e-4, atol=1e-9,
          mistakes={"exponentials": lambda v: np.exp(np.asarray(v["logits"], dtype=float)),
                    "normalised": _normalised_logits},
          hints={"default": ("Make every score positive, then make them add up to one.",
                             "σ(z)ₖ = e^{zₖ} / Σⱼ e^{zⱼ}: exponentiate, then divide by the sum."),
                 "exponentials": "Divide the exponentials by their sum so the probabilities add up to 1.",
                 "normalised": "Exponentiate first: dividing the raw scores by their sum is not softmax."})
def softmax_example(v):
    """softmax of the student's logits."""
    return losses.softmax(np.asarray(v["logits"], dtype=float))


def _softmax_trials(rng, v):
    return [(rng.normal(scale=3, size=(n, k)),) for n, k in ((4, 3), (1, 5), (7, 2))]


def _softmax_edge_trials(rng, v):
    return [(np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1000.0]]),),
            (rng.normal(scale=300, size=(5, 4)),)]


def _softmax_columns(Z):
    return losses.softmax(np.asarray(Z, dtype=float), axis=0)


@question(f"{ASSIGNMENT}.softmax", kind="function", points=2, rtol=1e-8, atol=1e-12,
          inputs=_softmax_trials, mistakes={"columns": lambda v: _softmax_columns},
          hints={"default": ("Each row of Z is one sample: normalise row by row.",
                             "Exponentiate, then divide each row by its own sum; keepdims=True keeps the "
                             "sums in a column that broadcasts against the rows."),
                 "columns": "Normalise each row (one sample per row), not each column."})
def softmax(v):
    """Reference: coursekit.losses.softmax along the last axis."""
    return losses.softmax


hidden_twin(f"{ASSIGNMENT}.softmax", rtol=1e-8, atol=1e-12,
         inputs=_softmax_edge_trials,
         hints={"default": ("Try scores of a thousand: does np.exp survive them?",
                            "Adding the same constant to every score of a row does not change its softmax "
                            "(section 4): choose the constant so that no exponential overflows.")})


def ce_predictions(v):
    """The predicted probabilities of the cross-entropy examples, one row per sample of class y = 1.

    A certain right prediction, the student's three (p₁, (1 − p₁)/2, (1 − p₁)/2), a certain wrong one.
    """
    rows = [(p, (1 - p) / 2, (1 - p) / 2) for p in v["p1_values"]]
    return np.array([(1.0, 0.0, 0.0), *rows, (0.0, 1.0, 0.0)])


@question(f"{ASSIGNMENT}.ce_examples", kind="array", points=1, rtol=1e-3,
          hints={"default": ("Only the probability of the true class enters the cross-entropy.",
                             "Cross-entropy = −log(probability of the true class); an infinite value is "
                             "written np.inf.")})
def ce_examples(v):
    """The cross-entropies of the student's predictions for K = 3, y = 1."""
    probabilities = ce_predictions(v)
    with np.errstate(divide="ignore"):
        return losses.cross_entropy(np.log(probabilities), np.zeros(len(probabilities), dtype=int),
                                    reduction="none")


def _ce_trials(rng, v):
    trials = []
    for n, k in ((5, 3), (1, 4), (12, 2)):
        trials.append((rng.normal(scale=2, size=(n, k)), rng.integers(0, k, size=n)))
    return trials


def _ce_edge_trials(rng, v):
    return [(np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]]), np.array([0, 2])),
            (rng.normal(scale=100, size=(6, 5)), rng.integers(0, 5, size=6))]


def _ce_sum(logits, labels):
    return losses.cross_entropy(logits, labels, reduction="sum")


_CE_HINTS = {
    "default": ("Per sample: the log of the sum of exponentials, minus the score of the true class.",
                "L = (1/n) Σᵢ [log Σⱼ e^{zᵢⱼ} − zᵢ,yᵢ]: index each row's true-class score with two "
                "integer arrays, the row numbers and the labels."),
    "sum": "Average over the samples.",
}


@question(f"{ASSIGNMENT}.cross_entropy", kind="function", points=2, rtol=1e-8,
          inputs=_ce_trials, mistakes={"sum": lambda v: _ce_sum}, hints=_CE_HINTS)
def cross_entropy(v):
    """Reference: coursekit.losses.cross_entropy (mean, integer labels)."""
    return losses.cross_entropy


hidden_twin(f"{ASSIGNMENT}.cross_entropy", rtol=1e-8,
         inputs=_ce_edge_trials,
         hints={"default": ("Try scores of a thousand: does your log Σ e^z overflow?",
                            "The log-sum-exp trick of section 5: take the largest score out of the sum "
                            "before exponentiating.")})


# ---------------------------------------------------------------- multi-class linear classifier

def _reference_softmax_gradient(X, labels, W):
    X = np.asarray(X, dtype=float)
    return X.T @ losses.cross_entropy_grad(X @ W, labels)


def _softmax_gradient_trials(rng, v):
    trials = []
    for n, d, k in ((8, 3, 3), (20, 2, 4), (1, 3, 2)):
        trials.append((rng.normal(size=(n, d)), rng.integers(0, k, size=n), rng.normal(size=(d, k))))
    return trials


@question(f"{ASSIGNMENT}.softmax_gradient", kind="function", points=2, rtol=1e-8, atol=1e-12,
          inputs=_softmax_gradient_trials,
          hints={"default": ("Your derivatives by the logits for every sample at once, then back through X.",
                             "Your ∂L/∂z for one sample, stacked over the batch with the one-hot labels, is an "
                             "n × K matrix; the chain rule through Z = XW multiplies it by the transposed inputs, "
                             "and the mean's 1/n stays in front; shape (d, K)."),
                 "wrong_sign": "Check the sign against your derivation: probability minus target, not the reverse.",
                 "transposed": "The gradient has the shape of W: (d, K)."})
def softmax_gradient(v):
    """Reference: Xᵀ times coursekit's ∂L/∂Z of the softmax cross-entropy."""
    return _reference_softmax_gradient


hidden_twin(f"{ASSIGNMENT}.softmax_gradient", rtol=1e-8, atol=1e-12,
         inputs=lambda rng, v: [(rng.normal(size=(10, 3)) * 100, rng.integers(0, 3, size=10),
                                 rng.normal(size=(3, 3))),
                                (rng.normal(size=(5, 4)), np.array([0, 0, 0, 0, 0]), np.zeros((4, 6)))],
         hints={"default": ("Try very large scores, and labels that use only some of the classes.",
                            "Use a stable softmax, and take the number of classes K from W, not from the "
                            "labels.")})
                            

# ---------------------------------------------------------------- predicting the cross-entropy's shape

#: Before the cross-entropies are worked out: how −log p behaves at its ends and when p halves.
CE_SHAPE_OPTIONS = {
    "certain_right": ("zero", "small but positive", "infinite"),
    "certain_wrong": ("a large finite number", "infinite"),
    "halving": ("doubles", "grows by the same amount", "halves"),
}


@question(f"{ASSIGNMENT}.ce_shape", kind="choice", points=1,
          options=tuple(o for options in CE_SHAPE_OPTIONS.values() for o in options),
          hints={"default": ("Only the probability p of the true class counts: think of −log p as p moves "
                             "from 1 down to 0.",
                             "log 1 = 0; log p falls without bound as p → 0; and a logarithm turns a "
                             "product into a sum, log(p/2) = log p − log 2.")})
def ce_shape(v):
    """−log p: zero at p = 1, infinite at p = 0, and log 2 more for every halving of p."""
    return {"certain_right": "zero", "certain_wrong": "infinite", "halving": "grows by the same amount"}


# ---------------------------------------------------------------- deriving the cross-entropy's gradient with respect to the logits

#: One sample of class 1 among K = 3: its cross-entropy as a function of the logits z1, z2, z3.
CE_OF_LOGITS = "-log(exp(z1)/(exp(z1) + exp(z2) + exp(z3)))"
_SOFTMAX_SUM = "(exp(z1) + exp(z2) + exp(z3))"
_CE_LOGIT_HINTS = {
    "default": ("Write the loss as log Σⱼ e^{zⱼ} − z₁ (section 5) and differentiate the two parts separately.",
                "(log u)′ = u′/u, and only one exponential of the sum depends on the logit you differentiate "
                "by; the linear part −z₁ contributes only to the derivative by z₁."),
    "reversed": ("Check the sign: raising the score of a class that is not the true one makes the loss grow.",
                 "The loss is log Σⱼ e^{zⱼ} − z₁: the log-sum-exp part enters with a plus sign."),
}


@question(f"{ASSIGNMENT}.ce_logit_true", kind="expression", points=1, derivative_of=(CE_OF_LOGITS, "z1"),
          mistakes={"dropped_linear_term": lambda v: f"exp(z1)/{_SOFTMAX_SUM}",
                    "reversed": lambda v: f"1 - exp(z1)/{_SOFTMAX_SUM}"},
          hints={**_CE_LOGIT_HINTS,
                 "dropped_linear_term": ("The true class's logit appears twice in the loss: inside the sum and "
                                         "on its own.",
                                         "In log Σⱼ e^{zⱼ} − z₁ the term −z₁ has a derivative too.")})
def ce_logit_true(v):
    """∂L/∂z₁ = softmax(z)₁ − 1 for the true class 1."""
    return f"exp(z1)/{_SOFTMAX_SUM} - 1"


@question(f"{ASSIGNMENT}.ce_logit_other", kind="expression", points=1, derivative_of=(CE_OF_LOGITS, "z2"),
          mistakes={"as_true_class": lambda v: f"exp(z2)/{_SOFTMAX_SUM} - 1",
                    "reversed": lambda v: f"-exp(z2)/{_SOFTMAX_SUM}"},
          hints={**_CE_LOGIT_HINTS,
                 "as_true_class": ("Class 2 is not the true class: which part of the loss holds z₂?",
                                   "In log Σⱼ e^{zⱼ} − z₁ the logit z₂ appears only inside the sum.")})
def ce_logit_other(v):
    """∂L/∂z₂ = softmax(z)₂ for a class that is not the true one."""
    return f"exp(z2)/{_SOFTMAX_SUM}"
