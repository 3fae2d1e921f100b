"""Widgets and one builder per app. Views animate model methods; they never hold model math.

Cold start: plotly's ``FigureWidget`` imports nbformat → jsonschema, which optionally imports
``rfc3987_syntax``; that package builds a Lark grammar at import time (2–12 s in a busy classroom
kernel) for the ``iri`` string formats that nothing here validates. Marking it absent (jsonschema
then skips those formats) makes every app's kernel that much faster to open.

``PLOTLY_BUNDLE_ENV``: set by ``explorer serve`` for its kernels (see ``plotly_hooks``).
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

PLOTLY_BUNDLE_ENV = "EXPLORER_PLOTLY_BUNDLE"
