"""``explorer serve`` as a real server (no browser): landing URL, what is not served, the shutdown
beacon with XSRF kept on, the kernel limit, code execution refused, a clean stop, and kernel
messages sent without Nagle's delay."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from explorer.serve import ServeOptions, banner, reachable_addresses
from tests.browser.conftest import free_port, wait_for_http  # noqa: F401
from tests.kernels import kernel_processes

ROOT = Path(__file__).resolve().parent.parent


def _start(port: int, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("OMP_NUM_THREADS", None)  # the server's own default applies
    return subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", "serve", "--port", str(port), "--no-browser",
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )


def _wait_listening(base: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    """Wait until the server answers (any status) without rendering a page (no kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "explorer serve exited early"
        try:
            urllib.request.urlopen(base + "voila/no-such-page", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("explorer serve did not answer")


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def beacon(self, kernel_id: str, with_token: bool = True) -> int:
        """What the page's beforeunload handler sends: a multipart form with the cookie's _xsrf."""
        token = next((c.value for c in self.jar if c.name == "_xsrf"), "") if with_token else ""
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_xsrf\"\r\n\r\n"
                f"{token}\r\n--{boundary}--\r\n").encode()
        request = urllib.request.Request(
            f"{self.base}voila/api/shutdown/{kernel_id}", data=body, method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def _kernel_id(page: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page).group(1)


async def _try_execute(base: str, kernel_id: str, cookie: str, marker: Path) -> None:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = base.replace("http", "ws") + f"api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie}))
    message = {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request", "username": "",
                   "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False},
    }
    ws.write_message(json.dumps(message))
    await asyncio.sleep(3)
    ws.close()


async def _kernel_info_round_trips(base: str, kernel_id: str, cookie: str, n: int) -> list[float]:
    """Milliseconds from a ``kernel_info_request`` sent on the kernel websocket until the
    kernel's ``status: idle`` for it arrives (after ``busy`` and the reply), ``n`` times."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = base.replace("http", "ws") + f"api/kernels/{kernel_id}/channels"
    ws = await websocket_connect(HTTPRequest(url, headers={"Cookie": cookie}))
    session, times = uuid.uuid4().hex, []
    for _ in range(n + 3):  # the first three warm up
        msg_id = uuid.uuid4().hex
        message = {
            "header": {"msg_id": msg_id, "msg_type": "kernel_info_request", "username": "",
                       "session": session, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "content": {},
        }
        t0 = time.perf_counter()
        ws.write_message(json.dumps(message))
        while True:
            raw = await asyncio.wait_for(ws.read_message(), 30)
            if not isinstance(raw, str):
                continue
            reply = json.loads(raw)
            if (reply.get("msg_type") == "status" and reply["parent_header"].get("msg_id") == msg_id
                    and reply["content"].get("execution_state") == "idle"):
                break
        times.append(1000 * (time.perf_counter() - t0))
        await asyncio.sleep(0.01)
    ws.close()
    return times[3:]


@pytest.fixture(scope="module")
def limited_server():
    port = free_port()
    process = _start(port, "--max-kernels", "1", "--cull-timeout", "600")
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_listening(base, process)
        yield base, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_banner_says_who_can_reach_the_server(monkeypatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    local = banner(ServeOptions(apps=Path("apps")))
    assert "http://127.0.0.1:8866/" in local and "this computer only" in local
    lan = banner(ServeOptions(apps=Path("apps"), host="0.0.0.0"))
    assert "anyone who can reach this machine" in lan and "0.0.0.0" not in lan
    for address in reachable_addresses("0.0.0.0"):
        assert f"http://{address}:8866/" in lan
    assert "1 torch thread(s) each" in local
    assert "3 torch thread(s) each" in banner(ServeOptions(apps=Path("apps"), kernel_threads=3))


def test_cell_outputs_may_trail_their_reply_on_a_busy_machine() -> None:
    """Voilà's executor waits nbclient's 4 s for a cell's outputs after the execute reply; while
    30 kernels warmed, the app's display message came later and the page was left blank. The
    executor that serve's Voilà builds must wait longer."""
    import nbformat
    from voila.app import Voila
    from voila.execute import VoilaExecutor

    from explorer.serve import IOPUB_TIMEOUT_S, voila_argv

    for warm in (0, 30):
        app = Voila()
        app.parse_command_line(voila_argv(ServeOptions(apps=Path("apps"), preheat=warm)))
        executor = VoilaExecutor(nbformat.v4.new_notebook(), config=app.config)
        assert executor.iopub_timeout == IOPUB_TIMEOUT_S >= 60


def test_serve_end_to_end(limited_server, tmp_path: Path) -> None:
    base, process = limited_server
    client = Client(base)
    # The printed URL lands on the apps' index; nothing outside the apps is listed or served.
    status, page = client.get("")
    assert status == 200 and "Generative Models Explorer" in page
    assert "cdn.jsdelivr" not in page  # offline: no CDN stylesheet
    for path in ("tree", "api/contents", "voila/api/contents", "voila/tree/..",
                 "voila/files/../pyproject.toml", "voila/static/../../pyproject.toml"):
        code, body = Client(base).get(path)  # a redirect lands on the index (full: 503 page)
        assert code in (403, 404) or "The class server is full" in body, path
    kernel_id = _kernel_id(page)
    assert _wait(lambda: len(kernel_processes(process.pid)) == 1, 10)
    # Kernels share the cores: one torch thread each unless --kernel-threads says otherwise.
    assert kernel_processes(process.pid)[0].environ().get("OMP_NUM_THREADS") == "1"
    # The limit: a second page gets a friendly 'server full' page, no kernel.
    other = Client(base)
    code, body = other.get("voila/render/index.ipynb")
    assert code == 503 and "The class server is full" in body
    assert len(kernel_processes(process.pid)) == 1
    # A websocket client cannot execute code in a kernel.
    marker = tmp_path / "executed"
    asyncio.run(_try_execute(base, kernel_id, client.cookie_header(), marker))
    assert not marker.exists()
    # XSRF stays on: a beacon without the token is refused; the page's beacon frees the kernel.
    assert client.beacon(kernel_id, with_token=False) == 403
    assert client.beacon(kernel_id) == 204
    assert _wait(lambda: len(kernel_processes(process.pid)) == 0, 15)
    code, _ = other.get("voila/render/index.ipynb")
    assert code == 200


def test_plotly_bundle_is_served_once_with_a_long_cache(limited_server) -> None:
    """Figures import plotly's bundle from PLOTLY_ROUTE (``plotly_hooks.figure_widget``): the
    server gives exactly that file, kept by browsers but revalidated on each page (a plotly
    upgrade is never served stale), and nothing beside."""
    from explorer.serve import PLOTLY_ROUTE, plotly_bundle

    base, _ = limited_server
    with urllib.request.urlopen(f"{base}{PLOTLY_ROUTE}", timeout=30) as response:
        assert response.status == 200
        assert response.read() == plotly_bundle().read_bytes()
        assert response.headers.get("Cache-Control") == "no-cache"
        etag = response.headers["Etag"]
    again = urllib.request.Request(f"{base}{PLOTLY_ROUTE}", headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(again, timeout=30)
    assert not_modified.value.code == 304
    neighbour = PLOTLY_ROUTE.rsplit("/", 1)[0] + "/plotly.min.js"
    assert Client(base).get(neighbour)[0] == 404


def test_figures_import_the_bundle_by_url_only_under_serve(monkeypatch) -> None:
    import plotly.graph_objects as go

    from explorer.serve import PLOTLY_ROUTE
    from explorer.views import PLOTLY_BUNDLE_ENV, plotly_hooks

    monkeypatch.delenv(PLOTLY_BUNDLE_ENV, raising=False)
    plain = plotly_hooks.figure_widget(go.Figure())
    assert len(plain._esm) > 1_000_000  # plotly's own class, bundle inside (JupyterLab, hub)
    monkeypatch.setenv(PLOTLY_BUNDLE_ENV, PLOTLY_ROUTE)
    served = plotly_hooks.figure_widget(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))
    assert len(served._esm) < 1000 and PLOTLY_ROUTE in served._esm
    assert "export default" in served._esm and isinstance(served, go.FigureWidget)
    assert list(served.data[0].x) == [0, 1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_serve_stops_every_kernel(sig: signal.Signals) -> None:
    port = free_port()
    process = _start(port, "--cull-timeout", "600")
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(base + "voila/render/index.ipynb", process)
        assert _wait(lambda: len(kernel_processes(process.pid)) >= 1, 10)
        kernels = kernel_processes(process.pid)
        os.kill(process.pid, sig)
        process.wait(timeout=20)
        assert _wait(lambda: not any(k.is_running() and k.status() != "zombie"
                                     for k in kernels), 10)
        assert process.returncode == 0, process.stdout.read().decode(errors="replace")[-3000:]
        with pytest.raises(OSError):
            urllib.request.urlopen(base, timeout=2)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_kernel_messages_are_not_held_by_nagle() -> None:
    """Each message from the browser makes the kernel send small messages back to back (status
    busy, a reply, status idle). With Nagle's algorithm on (tornado's default) the second waits
    for the client's delayed TCP acknowledgement, at least 40 ms on Linux, so no round trip is
    faster than that (44–78 ms measured here); with TCP_NODELAY most take a few ms (3–20)."""
    port = free_port()
    process = _start(port, "--cull-timeout", "600")
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_listening(base, process)
        client = Client(base)
        status, page = client.get("voila/render/index.ipynb")
        assert status == 200
        times = asyncio.run(_kernel_info_round_trips(base, _kernel_id(page), client.cookie_header(),
                                                     24))
        quartile = sorted(times)[len(times) // 4]
        assert quartile < 30, [round(t) for t in times]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

