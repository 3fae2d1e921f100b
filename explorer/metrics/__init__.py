"""Metrics per model family (``*_eval.py``) and the ``EVALUATORS`` registry (:mod:`.evaluate`)."""
