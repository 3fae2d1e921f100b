"""The inpainting app (§20.11.2, fig. 20.12): ``app.py`` behaviour, ``panels.py`` what is drawn,
``text.py`` every word a student reads."""

from explorer.views.inpainting.app import InpaintingApp, build_inpainting_app

__all__ = ["InpaintingApp", "build_inpainting_app"]
