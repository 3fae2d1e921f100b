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
- The page template drops the Font Awesome CDN links (Voilà's bundle already ships the font),
  so a classroom with no internet logs no failed request.
- The kernel websocket sends with TCP_NODELAY (:mod:`explorer.kernel_socket`): with Nagle's
  algorithm on, every widget update after a browser message waited up to 40 ms, which capped
  the canvases near 20 frames/s.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

SHARE = Path(__file__).resolve().parent / "share" / "jupyter"
TEMPLATE = "explorer"
INDEX = "index.ipynb"
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
        f"  kernels: {limit}, idle ones with no page culled after {options.cull_timeout} s"
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
                     (url_path_join(self.server_url, r"/voila/tree(?:/.*)?"), *redirect)]
            return front + kept

        def init_settings(self):
            settings = super().init_settings()
            _protect_handed_out(self.kernel_manager)
            return settings

    return ExplorerVoila


def _busy_kernels(manager) -> int:
    """Kernels serving (or about to serve) a page: all kernels minus the warm pool."""
    pools = getattr(manager, "_pools", {})
    return len(manager.list_kernel_ids()) - sum(len(pool) for pool in pools.values())


def _protect_handed_out(manager) -> None:
    """A pooled kernel may have been silent longer than the cull timeout; when the pool hands
    it to a page, count it as active now so the culler cannot take it before the page connects."""
    original = getattr(manager, "get_rendered_notebook", None)
    if original is None:
        return
    from jupyter_server._tz import utcnow

    async def get_rendered_notebook(*args, **kwargs):
        result = await original(*args, **kwargs)
        kernel_id = result.get("kernel_id") if isinstance(result, dict) else None
        if kernel_id and kernel_id in manager:
            manager.get_kernel(kernel_id).last_activity = utcnow()
        return result

    manager.get_rendered_notebook = get_rendered_notebook


def run(options: ServeOptions) -> int:
    """Serve until SIGTERM/SIGINT; then every kernel is shut down."""
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(SHARE), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    )
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(banner(options), flush=True)
    app = _classes(options)()
    if options.warm:
        from traitlets.config import Config

        config = Config()
        pools = {name: {"pool_size": n} for name, n in options.warm.items()}
        config.VoilaKernelManager.kernel_pools_config = {
            "default": {"pool_size": options.preheat}, **pools
        }
        app.update_config(config)
    app.initialize(voila_argv(options))
    app.start()
    return 0
