"""The latent widgets' JS is built by wire.esm (one toU8 helper), and the plane widget checks its
pointer messages and round-trips what it draws."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.errors import ConfigError
from explorer.views.latent_widgets import LatentPlane, ManifoldImage


def test_each_module_has_the_one_bytes_helper() -> None:
    for widget in (ManifoldImage(), LatentPlane()):
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


def test_latent_plane_passes_hovers_and_clicks_on() -> None:
    clicks, hovers = [], []
    plane = LatentPlane(on_click=clicks.append, on_hover=hovers.append)
    plane._on_custom_msg(plane, {"kind": "click", "fx": 0.25, "fy": "0.5", "width_px": 500,
                                 "height_px": 480}, [])
    plane._on_custom_msg(plane, {"kind": "hover", "fx": 0.75, "fy": 0.125, "width_px": 500,
                                 "height_px": 480}, [])
    plane._on_custom_msg(plane, {"kind": "something else"}, [])
    plane._on_custom_msg(plane, {"kind": "click", "fx": "left"}, [])  # ignored, not raised
    assert clicks == [{"fx": 0.25, "fy": 0.5, "width_px": 500.0, "height_px": 480.0}]
    assert hovers == [{"fx": 0.75, "fy": 0.125, "width_px": 500.0, "height_px": 480.0}]
    with pytest.raises(ConfigError, match="click message"):
        plane.receive({"kind": "click", "fx": "left"})


def test_latent_plane_round_trips_what_it_draws() -> None:
    plane = LatentPlane()
    xy = np.array([[0.5, -1.0], [2.0, 3.5], [-4.0, 0.0]], np.float32)
    plane.show_points(xy, np.array([3, 0, 9]), shade=np.eye(4))
    np.testing.assert_array_equal(plane.points_array, xy)
    assert list(plane.labels_array) == [3, 0, 9] and plane.version == 1
    assert plane.shade_side == 4 and plane.shade == bytes(np.eye(4, dtype=np.uint8) * 255)
    # the browser sends memoryviews back: the bytes traits accept them
    plane.set_state({"points": memoryview(xy.tobytes())})
    np.testing.assert_array_equal(plane.points_array, xy)
    plane.show_pins(xy[:2], ["A", "B"])
    np.testing.assert_array_equal(plane.pins_array, xy[:2])
    ring = np.stack([np.cos(np.linspace(0, 6.3, 9)), np.sin(np.linspace(0, 6.3, 9))], 1)
    plane.show_contours([2 * ring, ring], [True, False], [0.0, 0.0])
    assert plane.contours_array.shape == (2, 9, 2) and plane.contour_dashes == [True, False]
    np.testing.assert_allclose(plane.contours_array[1], ring, atol=1e-6)
    plane.show_contours([], [], [])
    assert len(plane.contours_array) == 0 and plane.cross == []
    with pytest.raises(ConfigError):
        plane.show_points(xy, np.array([1, 2]))
    with pytest.raises(ConfigError):
        plane.show_pins(xy, ["A"])
    with pytest.raises(ConfigError):
        plane.show_contours([ring, ring[:3]], [False, False], [])
