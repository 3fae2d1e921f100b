"""The latent widgets' JS is built by wire.esm (one toU8 helper), and the click widget checks its
messages."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import ConfigError
from explorer.views.latent_widgets import ManifoldImage, PlaneClicks


def test_each_module_has_the_one_bytes_helper() -> None:
    for widget in (ManifoldImage(), PlaneClicks("a-plot", "an-app")):
        assert widget._esm.count("function toU8(") == 1
        assert "function toBytes(" not in widget._esm
        assert widget._esm.count("export default") == 1


def test_manifold_image_round_trips_through_bytes() -> None:
    image = ManifoldImage()
    picture = np.linspace(0, 1, 56 * 84, dtype=np.float32).reshape(56, 84)
    image.show(picture, cells=3)
    np.testing.assert_allclose(image.array, picture, atol=0.5 / 255 + 1e-6)
    with pytest.raises(ConfigError):
        image.show(np.zeros((0, 3)))


def test_plane_clicks_passes_clicks_on() -> None:
    seen = []
    clicks = PlaneClicks("a-plot", "an-app", on_click=seen.append)
    clicks._on_custom_msg(clicks, {"kind": "click", "fx": 0.25, "fy": "0.5", "width_px": 500,
                                   "height_px": 480}, [])
    clicks._on_custom_msg(clicks, {"kind": "something else"}, [])
    clicks._on_custom_msg(clicks, {"kind": "click", "fx": "left"}, [])  # ignored, not raised
    assert seen == [{"fx": 0.25, "fy": 0.5, "width_px": 500.0, "height_px": 480.0}]
    with pytest.raises(ConfigError):
        clicks.receive({"fx": "left"})
