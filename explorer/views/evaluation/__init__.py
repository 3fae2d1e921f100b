"""The evaluation app (chapter §20.14; seed 004): samples beside their nearest training digits,
one likelihood table, the AIS estimate converging, and the DGA stack's Table 1 and
interpolations. Behaviour in :mod:`.app`, every word in :mod:`.text`."""

from explorer.views.evaluation.app import EvaluationApp, build_evaluation_app

__all__ = ["EvaluationApp", "build_evaluation_app"]
