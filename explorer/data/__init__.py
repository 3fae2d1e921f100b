"""Datasets for the models: MNIST digits as flat float32 arrays (see :mod:`explorer.data.mnist`).

``load_mnist(split, binarize, source)`` returns ``(images (N, 784) float32, labels (N,) int64)``;
``split_info(source)`` describes the data for weight cards; problems raise :class:`DataError`.
"""

from explorer.data.mnist import IMAGE_SIDE, N_PIXELS, load_mnist, split_info
from explorer.errors import DataError

__all__ = ["IMAGE_SIDE", "N_PIXELS", "DataError", "load_mnist", "split_info"]
