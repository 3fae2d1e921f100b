"""``explorer serve``: standalone Voilà for a classroom, run in this process.

Why in-process: Voilà then handles SIGTERM/SIGINT itself and shuts every kernel down (a child
process used to be re-parented and keep serving). On top of plain Voilà this adds:

- ``/`` and ``/voila/tree…`` redirect to the apps' index; the file listing and
  ``/voila/api/contents`` are gone (nothing outside the apps is listed).
- The render handler sets tornado's ``_xsrf`` cookie, so the page's own shutdown beacon
  (which posts the cookie's value as ``_xsrf``) is accepted: a closed or reloaded tab frees its
  kernel at once (voila#1458: without the cookie the beacon got 403). XSRF checks stay on.
- Kernels no page is connected to are culled after ``cull_timeout`` seconds of silence (the
  backstop for crashed browsers and sleeping laptops); pooled (preheated) kernels are never
  culled, and a kernel handed out from the pool counts as fresh.
- A kernel limit: past it, a student gets a short page saying the class server is full.
- Plotly's widget bundle (~5 MB of JS) is served as a cached static file at ``PLOTLY_ROUTE``,
  and the kernels are told so (``views.PLOTLY_BUNDLE_ENV``): each figure then imports it
  from there instead of carrying it through the kernel's websocket. A notebook whose metadata
  says ``"explorer": {"plotly": true}`` has the page preload it (``modulepreload`` in the
  template), so it downloads and compiles while Voilà's own scripts load and the kernel
  connects, not after (measured in ``benchmarks/bench_cold_start.py``). No shipped app uses
  plotly today (all draw on canvases); this serves notebooks that do.
- Kernels run torch on one thread unless told otherwise (``kernel_threads``): many kernels
  share few cores, and measured in a kernel on this 2-core machine with one other busy
  process, a 10 × 784 × 500 product took 2.8 ms on two threads and 0.16 ms on one (threads
  spinning for a core someone else holds); the evaluation app's page opened in 11 s instead of
  ~3 s. A live-training chunk still asks for its own thread count (``torch_threads``).
- Lab extensions the apps never use are not loaded (``UNUSED_LAB_EXTENSIONS``): Voilà loads
  every installed one on every page, and ``jupyterlab-plotly`` (only plotly's mime renderer;
  FigureWidgets are anywidgets) pulled a 4.8 MB chunk into each page, plotly app or not.
- The page template drops the Font Awesome CDN links (Voilà's bundle already ships the font),
  so a classroom with no internet logs no failed request.
- The kernel websocket sends with TCP_NODELAY (:mod:`explorer.kernel_socket`): with Nagle's
  algorithm on, every widget update after a browser message waited up to 40 ms, which capped
  the canvases near 20 frames/s.
- A notebook cell's outputs may trail its execute reply by ``IOPUB_TIMEOUT_S`` (nbclient waits
  4 s): while 30 kernels warmed, the app's display message came later, was dropped, and the
  student's page stayed blank although the kernel had built the app (9 of 30 pages).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

SHARE = Path(__file__).resolve().parent / "share" / "jupyter"
TEMPLATE = "explorer"
# Seconds a notebook cell's outputs may trail its execute reply (nbclient's default is 4).
IOPUB_TIMEOUT_S = 120
INDEX = "index.ipynb"
PLOTLY_ROUTE = "explorer/static/widgetbundle.js"  # under the base URL; plotly's file name
# Voilà loads every installed lab extension's code into every page; these the apps never use
# (plotly's mime renderer: the apps display FigureWidgets, which are anywidgets).
UNUSED_LAB_EXTENSIONS = ["jupyterlab-plotly"]
NODELAY_CONNECTION = "explorer.kernel_socket.NoDelayConnection"

FULL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Class server full</title>
<meta http-equiv="refresh" content="30"></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto;line-height:1.5">
<h1>The class server is full right now</h1>
<p>{n} apps are open on this server, its limit. Close an app tab you no longer use; this page
tries again by itself every 30 seconds. If it keeps showing, tell your lecturer.</p>
<p><a href="{index}">Back to all apps</a></p></body></html>"""


@dataclass(frozen=True)
class ServeOptions:
    apps: Path
    port: int = 8866
    host: str = "127.0.0.1"
    open_browser: bool = True
    preheat: int = 0  # kernels kept warm per app
    theme: str = "light"
    cull_timeout: int = 120  # seconds a kernel with no page connected may stay silent
    max_kernels: int = 0  # 0: no limit
    token: str | None = None
    warm: dict[str, int] = field(default_factory=dict)  # app notebook -> kernels kept warm
    kernel_threads: int | None = None  # torch threads per kernel; None: $OMP_NUM_THREADS or 1


def reachable_addresses(host: str) -> list[str]:
    """The addresses other machines can use to reach ``host`` (all interfaces for 0.0.0.0)."""
    if host not in ("0.0.0.0", "", "::"):
        return [host]
    found: list[str] = []
    try:  # the interface the default route leaves through (no packet is sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(info[4][0]))
    except OSError:
        pass
    unique = [a for i, a in enumerate(found) if a not in found[:i] and not a.startswith("127.")]
    return unique or ["127.0.0.1"]


def kernel_threads(options: ServeOptions) -> int:
    """Torch threads per kernel: the option, else ``$OMP_NUM_THREADS``, else 1."""
    try:
        env = int(os.environ.get("OMP_NUM_THREADS") or 1)
    except ValueError:
        env = 1
    return max(1, options.kernel_threads or env)


def banner(options: ServeOptions) -> str:
    """What ``explorer serve`` prints: where to open the apps, and who can."""
    lines = [f"Generative Models Explorer: serving {options.apps}"]
    if options.host in ("127.0.0.1", "localhost", "::1"):
        lines.append(f"  open http://127.0.0.1:{options.port}/  (this computer only)")
    else:
        for address in reachable_addresses(options.host):
            lines.append(f"  students open http://{address}:{options.port}/")
        lines.append(
            "  anyone who can reach this machine on that network can open the apps"
            + (" (with the token)" if options.token else " (no password; --token sets one)")
        )
    limit = f"at most {options.max_kernels}" if options.max_kernels else "no limit"
    lines.append(
        f"  kernels: {limit}, {kernel_threads(options)} torch thread(s) each, idle ones with no "
        f"page culled after {options.cull_timeout} s"
        + (f", {options.preheat} kept warm per app" if options.preheat else "")
        + "".join(f", {n} warm for {app}" for app, n in options.warm.items())
    )
    lines.append("Press Ctrl+C to stop (every kernel is shut down).")
    return "\n".join(lines)


def voila_argv(options: ServeOptions) -> list[str]:
    """Command-line options for the in-process Voilà application."""
    interval = max(1, min(15, options.cull_timeout // 4 or 1))
    argv = [
        str(options.apps),
        f"--port={options.port}", f"--Voila.ip={options.host}", "--Voila.port_retries=0",
        "--show_tracebacks=False", f"--theme={options.theme}", f"--template={TEMPLATE}",
        f"--MappingKernelManager.cull_interval={interval}",
        f"--MappingKernelManager.cull_idle_timeout={options.cull_timeout}",
        "--MappingKernelManager.cull_connected=False",
        f"--Voila.kernel_websocket_connection_class={NODELAY_CONNECTION}",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in UNUSED_LAB_EXTENSIONS),
        # nbclient waits only 4 s for a cell's outputs after its reply; on a machine busy warming
        # 30 kernels the app's display message came later, was dropped, and the page was blank.
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
    ]
    if options.preheat > 0 or options.warm:
        argv += ["--preheat_kernel=True", f"--pool_size={options.preheat}"]
    if not options.open_browser:
        argv.append("--no-browser")
    if options.token is not None:
        argv.append(f"--token={options.token}")
    return argv


def _classes(options: ServeOptions):
    """Voilà subclasses, built lazily so that ``import explorer.serve`` stays cheap."""
    import tornado.web
    from jupyter_server.utils import url_path_join
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    class RenderHandler(TornadoVoilaHandler):
        """Renders an app; sets the ``_xsrf`` cookie the shutdown beacon sends back."""

        async def get(self, path=None):
            self.xsrf_token  # noqa: B018 - accessing it sets the cookie
            manager = self.kernel_manager
            limit = options.max_kernels
            if limit and _busy_kernels(manager) >= limit:
                self.set_status(503)
                index = url_path_join(self.base_url, "voila/render", INDEX)
                self.finish(FULL_PAGE.format(n=_busy_kernels(manager), index=index))
                return
            await super().get(path)

    class ExplorerVoila(Voila):
        def init_handlers(self):
            index = url_path_join(self.server_url, "voila/render", INDEX)
            kept = []
            for handler in super().init_handlers():
                pattern, cls = handler[0], handler[1]
                if cls.__name__ in ("TornadoVoilaTreeHandler", "VoilaContentsHandler"):
                    continue
                if cls is TornadoVoilaHandler:
                    handler = (pattern, RenderHandler, *handler[2:])
                kept.append(handler)
            redirect = (tornado.web.RedirectHandler, {"url": index})
            front = [(self.server_url, *redirect),
                     (url_path_join(self.server_url, r"/voila/tree(?:/.*)?"), *redirect),
                     _plotly_bundle_route(self.server_url)]
            return front + kept

        def init_settings(self):
            import voila.app

            factory = voila.app.voila_kernel_manager_factory
            voila.app.voila_kernel_manager_factory = (
                lambda *args, **kwargs: _paced_manager(factory(*args, **kwargs)))
            try:
                return super().init_settings()
            finally:
                voila.app.voila_kernel_manager_factory = factory

    return ExplorerVoila


def _plotly_bundle_route(server_url: str) -> tuple:
    """``PLOTLY_ROUTE`` → plotly's ``package_data/widgetbundle.js`` (only that file). Browsers
    keep it and revalidate it on every page (``no-cache``: a cheap 304, and a plotly upgrade is
    never served stale); the compiled code stays in the browser's cache across pages."""
    import tornado.web
    from jupyter_server.utils import url_path_join

    class BundleHandler(tornado.web.StaticFileHandler):
        def get_cache_time(self, path, modified, mime_type) -> int:
            return 0

        def set_extra_headers(self, path) -> None:
            self.set_header("Cache-Control", "no-cache")

    folder, name = PLOTLY_ROUTE.rsplit("/", 1)
    return (url_path_join(server_url, folder, f"({name.replace('.', '[.]')})"),
            BundleHandler, {"path": str(plotly_bundle().parent)})


def plotly_bundle() -> Path:
    """The JS file plotly's ``FigureWidget`` runs in the browser (found without importing
    plotly, a views-only library)."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    origin = spec.origin if spec is not None else None
    return Path(origin or ".").resolve().parent / "package_data" / "widgetbundle.js"


def _busy_kernels(manager) -> int:
    """Kernels serving (or about to serve) a page: all kernels minus the warm pool."""
    pools = getattr(manager, "_pools", {})
    return len(manager.list_kernel_ids()) - sum(len(pool) for pool in pools.values())


REFILL_QUIET_S = 30.0  # a pool refills only after this long without a page handed out


def machine_busy() -> bool:
    """The 1-minute load average is above half the cores (students' pages still loading, a
    class running); always False where the platform has no load average."""
    try:
        return os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1)
    except (AttributeError, OSError):
        return False


def _paced_manager(base: type, parallel: int | None = None,
                   quiet_s: float = REFILL_QUIET_S, busy=machine_busy) -> type:
    """Voilà's kernel manager with hand-outs from the warm pool made safe and cheap for a class
    arriving at once (a plain manager, with no pool, is returned as it is).

    - A pooled kernel may have been silent longer than the cull timeout; when the pool hands it
      to a page it counts as active now, so the culler cannot take it before the page connects.
    - The culler skips a kernel still starting (no activity recorded yet); jupyter_server's
      check reads the unset trait and logs a traceback in the lecturer's terminal (seen while
      30 kernels warmed).
    - Pool kernels start at most ``parallel`` (the core count) at a time: warming 30 kernels
      before class makes the first ones ready in seconds instead of all of them late.
    - Voilà refills the pool one kernel per hand-out, after 1 s. With 30 students arriving, that
      started 30 fresh kernels while the students' own pages were loading, and starved them
      (7 of 30 usable after 120 s). A refill now waits until no page was handed out for
      ``quiet_s`` seconds and the machine is not ``busy()`` (the class is at work) — unless a
      page waits for that very kernel (the ready ones are all taken): then it starts at once.
    """
    import asyncio
    import time

    if not hasattr(base, "_initialize") or not hasattr(base, "get_rendered_notebook"):
        return base
    from jupyter_server._tz import utcnow
    from traitlets import TraitError

    class PacedKernelManager(base):
        def __init__(self, **kwargs) -> None:
            self._gate = asyncio.Semaphore(max(1, parallel or os.cpu_count() or 1))
            self._last_hand_out = float("-inf")
            self._pages_waiting = 0
            super().__init__(**kwargs)  # starts filling the pool, through _initialize below

        async def _initialize(self, *args, **kwargs):
            while self._pages_waiting == 0:
                left = self._last_hand_out + quiet_s - time.monotonic()
                if left <= 0 and (self._last_hand_out == float("-inf") or not busy()):
                    break  # before class (nothing handed out yet), or a quiet moment
                await asyncio.sleep(0.1 if left > 0 else 0.5)
            async with self._gate:
                return await super()._initialize(*args, **kwargs)

        async def cull_kernel_if_idle(self, kernel_id: str):
            try:
                _ = self.get_kernel(kernel_id).last_activity
            except KeyError:
                return None
            except TraitError:
                return None  # still starting: jupyter_server's check would log this TraitError
            return await super().cull_kernel_if_idle(kernel_id)

        async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
            pool = self._pools.get(notebook_name) or []
            waits = bool(pool) and not pool[0].done()  # this page needs a kernel not ready yet
            self._last_hand_out = time.monotonic()
            self._pages_waiting += waits
            try:
                result = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
            finally:
                self._pages_waiting -= waits
            kernel_id = result[2] if isinstance(result, tuple) and len(result) > 2 else None
            if kernel_id and kernel_id in self:
                self.get_kernel(kernel_id).last_activity = utcnow()
            return result

    return PacedKernelManager


def run(options: ServeOptions) -> int:
    """Serve until SIGTERM/SIGINT; then every kernel is shut down."""
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(SHARE), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    )
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    os.environ["OMP_NUM_THREADS"] = str(kernel_threads(options))  # inherited by every kernel
    from explorer.views import PLOTLY_BUNDLE_ENV

    if plotly_bundle().is_file():  # kernels inherit this: their figures import the bundle by URL
        os.environ[PLOTLY_BUNDLE_ENV] = PLOTLY_ROUTE
    print(banner(options), flush=True)
    app = _classes(options)()
    from traitlets.config import Config

    config = Config()
    if options.warm:
        pools = {name: {"pool_size": n} for name, n in options.warm.items()}
        config.VoilaKernelManager.kernel_pools_config = {
            "default": {"pool_size": options.preheat}, **pools
        }
    app.update_config(config)
    app.initialize(voila_argv(options))
    app.start()
    return 0
