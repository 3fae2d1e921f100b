"""Datasets for the models: MNIST digits as flat float32 arrays (see :mod:`explorer.data.mnist`).

``load_mnist(split, binarize, source)`` returns ``(images (N, 784) float32, labels (N,) int64)``;
``split_info(source)`` describes the data for weight cards; problems raise :class:`DataError`.
2-D toys (:mod:`explorer.data.toys`): ``TOYS`` / ``make_toy(name)`` — ring-8, grid-25, spiral,
moons, circle — each with ``sample(n, generator)``, mixtures with ``log_density`` and ``score``.
"""

from explorer.data.mnist import IMAGE_SIDE, N_PIXELS, load_mnist, split_info, trained_on_embedded
from explorer.data.toys import TOYS, GaussianMixture, make_toy
from explorer.errors import DataError

__all__ = [
    "IMAGE_SIDE", "N_PIXELS", "TOYS", "DataError", "GaussianMixture", "load_mnist", "make_toy",
    "split_info",
    "trained_on_embedded",
]
