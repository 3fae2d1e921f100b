"""Transitional re-exports of the shared kit (status, pacing, digit input); import from those
modules directly. This module goes once no view imports it."""

from explorer.views.digit_input import load_test_digits
from explorer.views.pacing import Pacer
from explorer.views.status import StatusLine, explainer, labelled_button

__all__ = ["Pacer", "StatusLine", "explainer", "labelled_button", "load_test_digits"]
