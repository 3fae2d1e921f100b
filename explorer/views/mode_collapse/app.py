"""The mode-collapse app's behaviour: train 2-D GANs live, step one player, compare two
objectives side by side, load the shipped collapsed / healthy snapshots; a second tab
(:mod:`.mnist_tab`) shows the shipped MNIST GANs.

All math comes from :mod:`explorer.models.gan` (the trainer and what the plane draws) and
:mod:`explorer.metrics.modes` (the numbers); wording from :mod:`.text`, the canvas and its arrays
from :mod:`.plane`, the curves from :mod:`.panels`. Training runs through
:class:`~explorer.views.live_training.LiveTraining` (chunks of ~30 ms on the kernel's loop, so
Pause is answered between chunks), and the plane is redrawn after every chunk unless the browser
has not yet painted the previous frame.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets
import torch

from explorer.data.toys import make_toy
from explorer.metrics.modes import mode_coverage_monitor
from explorer.models.gan import GANConfig, GANTrainConfig, GANTrainer, build_gan
from explorer.models.gan_losses import OBJECTIVES
from explorer.views.live_training import LiveTraining
from explorer.views.mode_collapse import panels, text
from explorer.views.mode_collapse.mnist_tab import MnistTab
from explorer.views.mode_collapse.plane import N_ARROWS, N_POINTS, GANPlane, extent_of, make_frame
from explorer.views.page import add_page_bar, widget_link
from explorer.views.status import StatusLine, explainer, labelled_button

TOYS = ("ring-8", "ring-8-wide", "grid-25")
SNAPSHOTS = ("gan-ring8-collapsed", "gan-ring8-healthy", "gan-grid25-collapsed",
             "gan-grid25-healthy")
PACK = 4  # m for PacGAN
MONITOR_EVERY = 100
MAX_BEHIND = 2  # frames sent but not painted before the plane skips a redraw
CURVES_S = 0.25  # the curves are redrawn at most this often
LR_CHOICES = (("1e-4", 1e-4), ("2e-4", 2e-4), ("5e-4", 5e-4), ("1e-3", 1e-3), ("2e-3", 2e-3),
              ("5e-3", 5e-3))


class PairTrainer:
    """Trains several GAN trainers together (Compare): each ``run_batches(n)`` runs n iterations
    of every one; it is done when all are. Metrics are the first trainer's."""

    def __init__(self, trainers: list[GANTrainer]) -> None:
        self.trainers = trainers

    @property
    def done(self) -> bool:
        return all(t.done for t in self.trainers)

    @property
    def fraction_done(self) -> float:
        return min(t.fraction_done for t in self.trainers)

    @property
    def total_batches(self) -> int:
        return max(t.config.n_iterations for t in self.trainers)

    @property
    def batches_done(self) -> int:
        return min(t.iteration for t in self.trainers)

    def run_batches(self, n: int) -> dict[str, float]:
        """n iterations of each trainer (fewer for one that would run past its end)."""
        results = [t.run_batches(min(n, t.config.n_iterations - t.iteration))
                   for t in self.trainers if not t.done]
        return results[0] if results else {}


LINK = widget_link({
    "toy": lambda app: app.toy_menu,
    "objective": lambda app: app.objective_menu,
    "compare": lambda app: app.compare_menu,
    "seed": lambda app: app.seed_box,
})


class ModeCollapseApp(widgets.VBox):
    """The app as one widget; its parts are attributes so tests can drive it headless."""

    def __init__(self) -> None:
        super().__init__()
        self.add_class("explorer-app")
        self.add_class("explorer-app-mode_collapse")
        self.status = StatusLine()
        style = {"description_width": "initial"}
        self.toy_menu = widgets.Dropdown(options=TOYS, value="ring-8", description="data",
                                         style=style)
        self.objective_menu = widgets.Dropdown(options=list(OBJECTIVES), value="non-saturating",
                                               description="objective", style=style)
        self.compare_box = widgets.Checkbox(value=False, description="Compare with",
                                            indent=False, layout=widgets.Layout(width="110px"))
        self.compare_menu = widgets.Dropdown(options=list(OBJECTIVES), value="pacgan",
                                             layout=widgets.Layout(width="150px"))
        self.lr_g_menu = widgets.Dropdown(options=LR_CHOICES, value=2e-4, description="lr_g",
                                          style=style, layout=widgets.Layout(width="130px"))
        self.lr_d_menu = widgets.Dropdown(options=LR_CHOICES, value=2e-3, description="lr_d",
                                          style=style, layout=widgets.Layout(width="130px"))
        self.d_steps_slider = widgets.IntSlider(value=5, min=1, max=10, description="d_steps",
                                                style=style)
        self.batch_menu = widgets.Dropdown(options=(32, 64, 128, 256, 512), value=64,
                                           description="batch", style=style,
                                           layout=widgets.Layout(width="130px"))
        self.z_dim_menu = widgets.Dropdown(options=(1, 2, 4, 16), value=2, description="z_dim",
                                           style=style, layout=widgets.Layout(width="120px"))
        self.seed_box = widgets.BoundedIntText(value=0, min=0, max=10_000, description="seed",
                                               style=style, layout=widgets.Layout(width="130px"))
        self.iterations_box = widgets.BoundedIntText(
            value=3000, min=100, max=100_000, step=100, description="iterations", style=style,
            layout=widgets.Layout(width="170px"))
        self.play_button = labelled_button("Play", icon="play", button_style="success")
        self.pause_button = labelled_button("Pause", icon="pause", disabled=True)
        self.step_d_button = labelled_button("Step D")
        self.step_g_button = labelled_button("Step G")
        self.step_both_button = labelled_button("Step both")
        self.reset_button = labelled_button("Reset", icon="undo")
        self.snapshot_menu = widgets.Dropdown(options=SNAPSHOTS, value=SNAPSHOTS[0],
                                              description="snapshot", style=style)
        self.load_button = labelled_button("Load snapshot", icon="download")
        self.planes = [GANPlane(), GANPlane()]
        self.loss_html = widgets.HTML()
        self.coverage_html = widgets.HTML()
        self.live = LiveTraining(
            self.status, on_metrics=self._on_metrics, redraw=self._redraw,
            on_finish=self._on_finish, redraw_s=0.0, period_s=0.05, chunk_s=0.025,
            diverged_hint="Lower the learning rates or press Reset.",
        )
        self.trainers: list[GANTrainer] = []
        self.loss_history: list[tuple[int, float, float]] = []
        self._last_curves = 0.0
        self._rebuilding = False
        self._wire()
        self.plane_box = widgets.HBox([self.planes[0]])
        self.mnist = MnistTab(self.status)
        self.controls_box = widgets.VBox([
            widgets.HBox([self.toy_menu, self.objective_menu, self.compare_box,
                          self.compare_menu]),
            widgets.HBox([self.lr_g_menu, self.lr_d_menu, self.d_steps_slider, self.batch_menu]),
            widgets.HBox([self.z_dim_menu, self.seed_box, self.iterations_box]),
            widgets.HBox([self.play_button, self.pause_button, self.step_d_button,
                          self.step_g_button, self.step_both_button, self.reset_button,
                          self.live.progress]),
            widgets.HBox([self.snapshot_menu, self.load_button]),
            self.plane_box,
            widgets.HBox([self.loss_html, self.coverage_html]),
        ])
        self.tabs = widgets.Tab(children=[self.controls_box, self.mnist])
        self.tabs.set_title(0, text.PLANE_TAB)
        self.tabs.set_title(1, text.MNIST_TAB)
        self.tabs.observe(self.status.guard(self._on_tab), names="selected_index")
        self.children = [
            explainer(text.quote()),
            explainer(text.box(text.INTRO)),
            self.tabs,
            self.status,
            explainer(text.box(text.WHY_SATURATES + text.FIXES
                               + f"<p>{text.COLLAPSE_RECIPE}</p>")),
        ]
        self.reset()
        self.status.show(text.READY, "ok")
        add_page_bar(self, *LINK)  # ?toy=grid-25&objective=pacgan&compare=unrolled&seed=3

    # -- wiring ---------------------------------------------------------------------------
    def _wire(self) -> None:
        guard = self.status.guard
        self.play_button.on_click(guard(lambda _b: self.play()))
        self.pause_button.on_click(guard(lambda _b: self.pause()))
        self.step_d_button.on_click(guard(lambda _b: self.step("D")))
        self.step_g_button.on_click(guard(lambda _b: self.step("G")))
        self.step_both_button.on_click(guard(lambda _b: self.step("both")))
        self.reset_button.on_click(guard(lambda _b: self.reset()))
        self.load_button.on_click(guard(lambda _b: self.load_snapshot(self.snapshot_menu.value)))
        for w in (self.toy_menu, self.objective_menu, self.compare_box, self.compare_menu,
                  self.lr_g_menu, self.lr_d_menu, self.d_steps_slider, self.batch_menu,
                  self.z_dim_menu, self.seed_box, self.iterations_box):
            w.observe(guard(self._on_knob), names="value")

    def _on_knob(self, _change: Any) -> None:
        if not self._rebuilding:
            self.reset()

    def _on_tab(self, change: dict) -> None:
        """The MNIST tab pauses the 2-D run and loads the MNIST GANs the first time."""
        if change["new"] == 1:
            if self.live.running:
                self.pause()
            self.mnist.show()
            self.status.show(text.MNIST_READY, "ok")
        else:
            self.status.show(text.READY, "ok")

    # -- building runs --------------------------------------------------------------------
    def _train_config(self, objective: str) -> GANTrainConfig:
        return GANTrainConfig(
            objective=objective, n_iterations=int(self.iterations_box.value),
            batch_size=int(self.batch_menu.value), lr_g=float(self.lr_g_menu.value),
            lr_d=float(self.lr_d_menu.value), d_steps=int(self.d_steps_slider.value),
            iterations_per_step=MONITOR_EVERY, monitor_every=MONITOR_EVERY,
            monitor_samples=N_POINTS,
        )

    def _trainer(self, objective: str, model: Any = None,
                 config: GANTrainConfig | None = None) -> GANTrainer:
        seed = int(self.seed_box.value)
        if model is None:
            pack = PACK if OBJECTIVES[objective].needs_pack else 1
            model = build_gan(GANConfig(z_dim=int(self.z_dim_menu.value), pack=pack), seed)
        return GANTrainer(model, self.toy, config or self._train_config(objective),
                          torch.Generator().manual_seed(seed),
                          monitor=mode_coverage_monitor(self.toy))

    def _prepare_view(self) -> None:
        seed = int(self.seed_box.value)
        self.toy = make_toy(self.toy_menu.value)
        self.real = self.toy.sample(N_POINTS, torch.Generator().manual_seed(10_000 + seed))
        self.extent = extent_of(self.toy.modes)
        self.loss_history = []

    def reset(self) -> None:
        """A fresh run (or two, with Compare) from the knobs; stops any running one."""
        self.live.stop()
        self._prepare_view()
        objectives = [self.objective_menu.value]
        if self.compare_box.value:
            objectives.append(self.compare_menu.value)
        self.trainers = [self._trainer(name) for name in objectives]
        self._start_views()
        self.status.show(f"A fresh {' vs '.join(objectives)} run. {text.READY}")

    def _start_views(self) -> None:
        z_dim = self.trainers[0].model.config.z_dim
        self.z_arrows = torch.randn(N_ARROWS, z_dim,
                                    generator=torch.Generator().manual_seed(int(self.seed_box.value)))
        self.plane_box.children = self.planes[: len(self.trainers)]
        self.live.attach(PairTrainer(self.trainers))
        self._set_running(False)
        self._redraw(force=True)

    def load_snapshot(self, name: str) -> None:
        """Load a shipped snapshot into the left plane (Compare off); training continues from it
        with its own objective and knobs, at the learning rates its schedule ended with."""
        from explorer.weights import load_pretrained

        self.live.stop()
        model = load_pretrained(name, "cpu", expected_kind="gan-2d")
        card = model.card
        model.train()
        saved = dict(card["training"]["config"])
        saved["lr_g"] *= saved["lr_final"]  # where the cosine schedule left them
        saved["lr_d"] *= saved["lr_final"]
        saved["lr_final"] = 1.0
        saved["monitor_every"] = MONITOR_EVERY
        saved["iterations_per_step"] = MONITOR_EVERY
        config = GANTrainConfig(**saved)
        self._rebuilding = True
        try:
            self.toy_menu.value = card["data"]["toy"]
            self.objective_menu.value = config.objective
            self.compare_box.value = False
            self.lr_g_menu.value = config.lr_g if config.lr_g in dict(LR_CHOICES).values() \
                else self.lr_g_menu.value
            self.lr_d_menu.value = config.lr_d if config.lr_d in dict(LR_CHOICES).values() \
                else self.lr_d_menu.value
            self.d_steps_slider.value = config.d_steps
            self.batch_menu.value = config.batch_size
            self.z_dim_menu.value = model.config.z_dim
            self.seed_box.value = int(card["training"]["seed"])
        finally:
            self._rebuilding = False
        self._prepare_view()
        self.trainers = [self._trainer(config.objective, model, config)]
        self._start_views()
        self.status.show(text.snapshot_line(name, card), "ok")

    # -- transport ------------------------------------------------------------------------
    def play(self) -> None:
        if self.live.trainer is None or self.live.trainer.done:
            self.status.show("The run is over: press Reset (or raise iterations).", "warn")
            return
        self._set_running(True)
        self.live.start(message=text.PLAYING)

    def pause(self) -> None:
        self.live.stop()
        self._set_running(False)
        self.status.show(text.PAUSED)

    def step(self, who: str) -> None:
        """One update of D ("D"), of G ("G"), or one full iteration ("both") of every run."""
        if self.live.running:
            self.pause()
        for trainer in self.trainers:
            if who == "D":
                metrics = trainer.step_d()
            elif who == "G":
                metrics = trainer.step_g()
            else:
                metrics = trainer.train_iteration()
        self._on_metrics(metrics)
        self._redraw(force=True)
        done = f"{self.trainers[0].d_updates} D and {self.trainers[0].g_updates} G updates"
        self.status.show(f"Stepped {who}: {done} so far.")

    def _set_running(self, running: bool) -> None:
        self.play_button.disabled = running
        self.pause_button.disabled = not running

    def _on_finish(self, ended: str) -> None:
        self._set_running(False)
        self._redraw(force=True)
        if ended in ("Finished", "Stopped"):
            trainer = self.trainers[0]
            numbers = trainer.monitor_history[-1][1] if trainer.monitor_history else {}
            said = text.PAUSED if ended == "Stopped" else f"{ended}."
            self.status.show(f"{said} " + text.status_line(trainer.iteration, numbers,
                                                          self.toy.n_modes))

    # -- drawing --------------------------------------------------------------------------
    def _on_metrics(self, metrics: dict[str, float]) -> None:
        if "d_loss" in metrics and "g_loss" in metrics:
            self.loss_history.append((self.trainers[0].iteration, metrics["d_loss"],
                                      metrics["g_loss"]))
            del self.loss_history[:-400]

    def _title(self, trainer: GANTrainer) -> str:
        numbers = trainer.monitor_history[-1][1] if trainer.monitor_history else {}
        return f"{trainer.config.objective} · " + text.status_line(
            trainer.iteration, numbers, self.toy.n_modes)

    def _redraw(self, force: bool = False) -> None:
        for trainer, plane in zip(self.trainers, self.planes, strict=False):
            if force or plane.frames_behind() <= MAX_BEHIND:
                plane.show(make_frame(trainer, self.real, self.z_arrows, self.extent),
                           self._title(trainer))
        now = time.perf_counter()
        if force or now - self._last_curves >= CURVES_S:
            self._last_curves = now
            self.loss_html.value = panels.loss_chart(self.loss_history)
            self.coverage_html.value = panels.coverage_chart(
                self.trainers[0].monitor_history, self.toy.n_modes, MONITOR_EVERY)


def build_mode_collapse_app() -> ModeCollapseApp:
    """The app, ready to display (``apps/mode_collapse.ipynb``)."""
    return ModeCollapseApp()
