"""One model family per file. Importing this package registers every family by its ``kind``."""

from explorer.models.base import MODEL_KINDS, ExplorerModel, get_model_class
from explorer.models.classifier import DigitClassifier
from explorer.models.rbm import RBM
from explorer.models.vae import VAE

__all__ = ["MODEL_KINDS", "ExplorerModel", "get_model_class", "RBM", "DigitClassifier", "VAE"]
