"""Training: the trainer contract (:mod:`.contract`), one recipe per shipped model, and the
``RECIPES`` registry (:mod:`.recipes`). Trainers live beside their models in ``explorer.models``."""

from explorer.train.contract import ChunkedTrainer, DriveResult, Trainer, advance, drive
from explorer.train.recipes import RECIPES, Recipe, TrainRequest, TrainResult, train

__all__ = [
    "RECIPES", "Recipe", "TrainRequest", "TrainResult", "train",
    "Trainer", "ChunkedTrainer", "DriveResult", "advance", "drive",
]
