"""Every word the evaluation app shows (numbers are filled in from the computations)."""

from __future__ import annotations

INTRO = (
    "<b>How good is a generative model?</b> §20.14 of the chapter warns that the usual answers "
    "are easy to get wrong. Below: samples of each shipped model trained on the embedded digits, "
    "each beside the training digit closest to it (a model that copies its training set looks "
    "perfect by eye); one table of test log-likelihoods, each with the estimator it needs and its "
    "error bar, under two binarizations of the same test digits; and the partition functions of "
    "the RBM and the DBM estimated by annealed importance sampling (AIS) as more intermediate "
    "temperatures are added."
)
SAMPLES_TITLE = "<h3>Samples and their nearest training digits</h3>"
SAMPLES_HELP = (
    "Each pair: a sample, then the training digit nearest to it in Hamming distance (pixels that "
    "differ after thresholding both at 0.5). A distance of 0 would be an exact copy."
)
TABLE_TITLE = "<h3>Test log-likelihood (nats per digit, ± one standard error)</h3>"
TABLE_HELP = (
    "All models were trained on threshold-binarized digits. Scored on a stochastic binarization "
    "of the same test digits, every number moves: numbers under different binarizations are not "
    "comparable (§20.14). Methods differ too: IWAE₅₀₀ is a lower bound; AIS and the DGA's "
    "importance sampling estimate Z, and a small effective sample size (ESS) means that estimate "
    "is dominated by a few draws and is probably too optimistic; the DGA's log P*(x) needs no "
    "estimate and is a true lower bound (the seed's Proposition 1). The DBM's number is the "
    "mean-field lower bound (eq. 20.35) with log Z replaced by its AIS estimate: it is a bound "
    "only if that estimate is not too low, and AIS tends to under-estimate log Z, which would "
    "make the bound too high. The DGA's importance sampling over codes estimates the log-"
    "likelihood of the model its samples come from; a small ESS there makes it too low, never "
    "too high."
)
NO_REPORT = (
    "The precomputed numbers are missing: run <code>python benchmarks/bench_evaluation.py</code> "
    "(a few minutes) to write pretrained/evaluation/report.json."
)
AIS_TITLE = "<h3>AIS: log Z of the {model} as temperatures are added</h3>"
AIS_MODEL = {"rbm": "RBM", "dbm": "DBM"}
AIS_LL_HEADER = {"rbm": "test log-likelihood", "dbm": "test bound (mean-field ELBO − log Ẑ)"}
AIS_HELP = (
    "Each point is an independent AIS run of {runs} chains from a base-rate RBM to the trained "
    "one, with more intermediate temperatures. With few temperatures the estimate is biased low "
    "(and the test log-likelihood too high); it settles as the path gets finer. Its error bar "
    "does not warn you: an unconverged run reports a small standard error that does not cover "
    "the converged value."
)
DBM_AIS_HELP = (
    "The DBM's hidden layer h¹ is summed out exactly, so AIS runs over the visible units and h² "
    "together, like an RBM's ({runs} chains from a base-rate model to the trained DBM; "
    "Salakhutdinov &amp; Hinton 2009). The last column is the mean-field lower bound on the test "
    "log-likelihood with each estimate of log Z: an estimate that is too low lifts it, so with "
    "few temperatures the \"bound\" is far above the converged one."
)
MARGINAL = (
    "Importance sampling over codes, {k:,} per digit, gives {marg:.2f} ± {marg_se:.2f}: a lower "
    "bound, in expectation, on the log-likelihood of the model the samples come from (median "
    "ESS {marg_ess:.1f}; a small ESS makes it loose, and more draws can only raise it in "
    "expectation). log P*(x) alone is {pstar:.2f}."
)
DGA_ESTIMATOR_TITLE = "<h3>How far to trust the DGA's §5.1 number</h3>"
DGA_UNRELIABLE = (
    "<b>{model}</b>: the seed's estimate of log Z rests on an effective sample size of {ess:.1f} "
    "of its {n:,} draws. With {n2:,} mixture centroids instead of {n1:,} it moves from "
    "{z1:.1f} to {z2:.1f} ({shift:+.1f} nats, {ratio:.1f} times its reported standard error of "
    "{se:.2f}): at this ESS neither the estimate nor its error bar can be trusted, and the "
    "normalised log-likelihood it gives, {ll:.2f}, is {direction}. " + MARGINAL
)
DGA_RELIABLE = (
    "<b>{model}</b>: the seed's estimate of log Z (ESS {ess:.1f} of {n:,} draws) moves by "
    "{shift:+.2f} nats with {n2:,} centroids instead of {n1:,}, within twice its standard error "
    "of {se:.2f}. " + MARGINAL
)
DIRECTION_HIGH = "probably too high (more centroids raise Ẑ)"
DIRECTION_LOW = "of unknown direction"
DGA_TITLE = "<h3>Deep Directed Generative Autoencoder (Ozair &amp; Bengio)</h3>"
DGA_SAMPLES_HELP = (
    "Ancestral samples: a code drawn from the factorised prior of one layer, decoded down. "
    "Deeper codes are more factorised, so their samples should look more like digits."
)
TABLE1_HELP = (
    "Table 1 of the seed: entropy of the factorised fit (bits), average number of rare bits, and "
    "the off-diagonal correlation norm, for the data and for the codes of each encoder. Ours: "
    "the 1,000 embedded test digits; the seed's: full binarized MNIST."
)
INTERP_HELP = (
    "Interpolating between two test digits in pixel space, in the shallow code space f₁ and in "
    "the deep code space f₂∘f₁ (decoded with the decoders' means), as in the seed's figs. 1–2."
)
NEW_SAMPLES = "New samples"
NEW_PAIR = "Another pair"
LOADED = "Ready: {n} models, samples drawn with seed {seed}."
DREW = "Drew new samples of {model} (seed {seed})."
PAIR = "Interpolating between test digits {i} and {j}."
