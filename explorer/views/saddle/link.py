"""Deep link of the saddle game: ``saddle_game.ipynb?methods=simgd,extragradient&lr=0.3``."""

from __future__ import annotations

from typing import Any

from explorer.games.methods import METHODS


def apply_link(app: Any, params: dict[str, str]) -> list[str]:
    problems = [f"unknown setting {key!r}" for key in sorted(set(params) - {"methods", "lr"})]
    if "methods" in params:
        names = [m for m in params["methods"].split(",") if m]
        bad = [m for m in names if m not in METHODS]
        if bad or not names:
            problems.append(f"methods {params['methods']!r}: choose from {', '.join(METHODS)}")
        else:
            for m, box in app.method_boxes.items():
                box.value = m in names
    if "lr" in params:
        slider = app.lr_slider
        try:
            lr = float(params["lr"])
        except ValueError:
            lr = float("nan")
        if slider.min <= lr <= slider.max:
            slider.value = lr
        else:
            problems.append(f"lr {params['lr']!r} is not a number from {slider.min} to "
                            f"{slider.max}")
    return problems


def link_state(app: Any) -> dict[str, object]:
    return {"methods": ",".join(app.selected), "lr": f"{app.lr_slider.value:g}"}
