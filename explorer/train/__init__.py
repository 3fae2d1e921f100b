"""Trainers per model family live beside their models; recipes say how each shipped file is made."""

from explorer.train.recipes import RECIPES, TrainRequest, train

__all__ = ["RECIPES", "TrainRequest", "train"]
