"""Questions of assignment 04_classification: perceptron, logistic regression, softmax, cross-entropy.

The lecture's worked numbers (:data:`LECTURE`) are the notebook's worked examples: the neuron
w₀ = 1, W = (3, −2) at x = (−1, 2) gives σ(−6) ≈ 0.00247 and the line x₂ = 1.5x₁ + 0.5; the
softmax of z = (7, −7.5, 10); the cross-entropies 0, 0.693 and +∞; the binary cross-entropy
table of lecture 002, mean 0.887. Each student works the same exercises with their own numbers: a
neuron with weights of one decimal and two input points of the plane, one on each side of its line;
four logits; three predicted probabilities of the true class; the four predictions of a table with
the lecture's labels, two misclassified rows and two right ones. :func:`pleasant` is the rule every
drawn variant satisfies. References come from :mod:`coursekit.activations` and :mod:`coursekit.losses`.

Students derive dL/dz of the sigmoid followed by the binary cross-entropy (``bce_score_derivative``,
judged by :func:`coursekit.symbolic.check_derivative`) before they implement the logistic gradient,
the cross-entropy's derivatives by the true and another class's logit (``ce_logit_true``,
``ce_logit_other``) before the softmax gradient,
and predict the shape of −log p (``ce_shape``) before they work out their cross-entropies.
"""
from __future__ import annotations

import numpy as np

from autograder.questions import hidden_twin, question
from autograder.variants import Product
from coursekit import activations, losses

ASSIGNMENT = "04_classification"

#: Course code absent from the grading sandbox (see :func:`autograder.withheld.withheld`):
#: the neuron, sigmoid, softmax and the cross-entropies with their gradients.
WITHHELD = ("coursekit.activations", "coursekit.losses", "coursekit.layers")

#: The lecture's numbers, the notebook's worked examples.
LECTURE = {"w0": 1.0, "w1": 3.0, "w2": -2.0, "points": ((-1.0, 2.0),), "logits": (7.0, -7.5, 10.0),
           "p1_values": (0.5,), "bce_predictions": (0.1, 0.6, 0.8, 0.1), "bce_labels": (1, 0, 1, 0)}

_PLANE = [round(0.1 * k, 1) for k in range(-30, 31)]            # a coordinate of an input point
_LOGIT = [round(0.1 * k, 1) for k in range(-40, 41)]
_PROBABILITY = [round(0.01 * k, 2) for k in range(5, 96) if k != 50]
#: Predictions of two decimals below and above ½: the table's rows with labels 1, 0, 1, 0 are
#: misclassified, misclassified, right and right, as in the lecture's table.
_BELOW, _ABOVE = [round(0.01 * k, 2) for k in range(5, 50)], [round(0.01 * k, 2) for k in range(51, 96)]
#: Largest size of a score z = w₀ + XᵀW at the student's points (σ(±6) is the lecture's extreme).
LARGEST_SCORE, SMALLEST_SCORE = 6.0, 0.5


def pleasant(v) -> bool:
    """The rule of every drawn variant: numbers that stay pleasant by hand and are not the lecture's.

    The first point is on the side of class 1 and the second on the side of class 0, each with a
    score between 0.5 and 6 in size (the sigmoid neither saturates nor gives 0.5); the neuron's line
    is not the lecture's; the three probabilities of the true class differ; the binary cross-entropy
    table is not the lecture's.
    """
    z = np.round(_z(v), 6)   # scores of two decimals, without the rounding error of the sum
    line = _line(v)
    return (SMALLEST_SCORE <= z[0] < LARGEST_SCORE and -LARGEST_SCORE < z[1] <= -SMALLEST_SCORE
            and (line["slope"], line["intercept"]) != (1.5, 0.5)
            and len(set(v["p1_values"])) == 3
            and tuple(v["bce_predictions"]) != LECTURE["bce_predictions"])


VARIANTS = {
    "space": {
        "w0": [round(0.1 * k, 1) for k in range(-50, 51)],
        "w1": [round(0.1 * k, 1) for k in range(-50, 51) if k],
        "w2": [-5.0, -4.0, -2.5, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 2.5, 4.0, 5.0],
        "points": Product(Product(_PLANE, _PLANE), Product(_PLANE, _PLANE)),
        "logits": Product(_LOGIT, _LOGIT, _LOGIT, _LOGIT),
        "p1_values": Product(_PROBABILITY, _PROBABILITY, _PROBABILITY),
        "bce_predictions": Product(_BELOW, _ABOVE, _ABOVE, _BELOW),
    },
    # no student id: the line x₂ = 2x₁ + 0.5, scores 2 and −2.5; the table's labels are always the lecture's
    "defaults": {"w0": 0.5, "w1": 2.0, "w2": -1.0, "points": ((1.0, 0.5), (-1.0, 1.0)),
                 "logits": (2.0, -1.0, 0.5, 1.0), "p1_values": (0.8, 0.3, 0.05),
                 "bce_predictions": (0.35, 0.55, 0.75, 0.15), "bce_labels": (1, 0, 1, 0)},
    "accept": pleasant,
}


# ---------------------------------------------------------------- the perceptron

def _weights(v):
    return float(v["w0"]), np.array([v["w1"], v["w2"]], dtype=float)


def _z(v):
    """The scores w₀ + XᵀW at the student's points."""
    w0, W = _weights(v)
    return w0 + np.asarray(v["points"], dtype=float) @ W


def _line(v):
    w0, (w1, w2) = _weights(v)
    return {"slope": -w1 / w2, "intercept": -w0 / w2}


@question(f"{ASSIGNMENT}.perceptron_output", kind="array", points=1, rtol=1e-3, atol=1e-6,
          mistakes={"no_activation": _z, "step": lambda v: (_z(v) >= 0).astype(float),
                    "minus_z": lambda v: activations.sigmoid(-_z(v)),
                    "rounded": lambda v: np.array([float(f"{p:.2g}") for p in activations.sigmoid(_z(v))])},
          hints={"default": ("Score first, then the activation, once for each of your points.",
                             "ŷ = g(w₀ + XᵀW) with g the sigmoid 1/(1 + e^(−z)) and z = w₀ + w₁x₁ + w₂x₂; "
                             "give at least four significant digits."),
                 "rounded": "Close, but rounded too much: give at least four significant digits.",
                 "minus_z": "That is σ(−z): the sigmoid is 1/(1 + e^(−z)), with a minus sign in the exponent.",
                 "no_activation": "That is z = w₀ + XᵀW; apply the sigmoid to it.",
                 "step": "Use the sigmoid, not the step function: the answer is a probability strictly "
                         "between 0 and 1."})
def perceptron_output(v):
    """σ(w₀ + XᵀW) at each of the student's two points."""
    return activations.sigmoid(_z(v))


@question(f"{ASSIGNMENT}.line", kind="number", points=2, rtol=1e-9,
          hints={"default": ("The line is where the score is zero: solve that equation for x₂.",
                             "Solve w₀ + w₁x₁ + w₂x₂ = 0 for x₂ and read off x₂ = slope·x₁ + intercept."),
                 "wrong_sign": "A sign slipped while moving a term to the other side of the equation."})
def line(v):
    """Slope and intercept of the student's decision line w₀ + w₁x₁ + w₂x₂ = 0 written as x₂ = a x₁ + c."""
    return _line(v)


def _neuron_trials(rng, v):
    trials = []
    for n, m in ((5, 2), (8, 3), (1, 4)):
        trials.append((rng.normal(size=(n, m)), float(rng.normal()), rng.normal(size=m)))
    return trials


def _neuron_edge_trials(rng, v):
    X = np.array([[-1.0, 2.0], [0.0, 0.0], [400.0, -300.0], [-400.0, 300.0]])
    return [(X, 1.0, np.array([3.0, -2.0])), (rng.normal(size=(6, 5)), 0.0, np.zeros(5))]


def _reference_neuron(X, w0, W):
    return activations.sigmoid(w0 + np.asarray(X, dtype=float) @ W)


def _neuron_without_bias(X, w0, W):
    return activations.sigmoid(np.asarray(X, dtype=float) @ W)


_NEURON_HINTS = {
    "default": ("One score per row of X, then the sigmoid of each score.",
                "The scores of all rows are w₀ + XW, one matrix product; the sigmoid acts on each."),
    "no_bias": "Add the bias w0 before applying the sigmoid.",
}


@question(f"{ASSIGNMENT}.neuron_forward", kind="function", points=2, rtol=1e-8, atol=1e-12,
          inputs=_neuron_trials, mistakes={"no_bias": lambda v: _neuron_without_bias}, hints=_NEURON_HINTS)
def neuron_forward(v):
    """Reference: sigmoid(w₀ + XW) with coursekit's sigmoid."""
    return _reference_neuron


hidden_twin(f"{ASSIGNMENT}.neuron_forward", rtol=1e-8, atol=1e-12,
         inputs=_neuron_edge_trials,
         hints={"default": ("Try scores of several hundred, positive and negative, and zero weights.",
                            "e^(−z) overflows for large negative z: evaluate the sigmoid in a form that "
                            "only exponentiates non-positive numbers.")})


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
