"""Classroom checks in a real browser: closed/reloaded/crashed tabs free their kernels, every app
whole at projector sizes (screenshots in benchmarks/results/screens/), back link, deep link and
copy link, fully offline, and the apps inside a plain Jupyter server (the JupyterHub route)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser.conftest import APP_TIMEOUT_MS, free_port, wait_for_http
from tests.browser.layout_check import CLIPPED_CONTROLS_JS
from tests.kernels import kernel_processes

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "benchmarks" / "results" / "screens"
SIZES = [(1024, 768), (1280, 720), (1920, 1080)]
APPS = ["inpainting", "vae_manifold", "saddle_game", "dae_chain", "mode_collapse", "evaluation"]


def _wait_count(pid: int, n: int, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if len(kernel_processes(pid)) == n:
            return time.monotonic() - start
        time.sleep(0.25)
    found = len(kernel_processes(pid))
    raise AssertionError(f"{found} kernels after {timeout:.0f} s, expected {n}")


@pytest.fixture(scope="module")
def short_cull_server():
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", "serve", "--port", str(port), "--no-browser",
         "--cull-timeout", "15"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(base + "voila/render/index.ipynb", process)
        _wait_count(process.pid, 0, 30)  # the probe's page had no browser: culled
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_closed_reloaded_and_crashed_tabs_free_their_kernels(short_cull_server, browser) -> None:
    base, pid = short_cull_server
    context = browser.new_context()
    page = context.new_page()
    page.goto(base, timeout=APP_TIMEOUT_MS)  # the printed URL lands on the index
    page.wait_for_selector(".explorer-app-index", timeout=APP_TIMEOUT_MS)
    assert page.url.endswith("/voila/render/index.ipynb")
    _wait_count(pid, 1, 10)
    rss_one = sum(k.memory_info().rss for k in kernel_processes(pid))
    page.reload()
    page.wait_for_selector(".explorer-app-index", timeout=APP_TIMEOUT_MS)
    _wait_count(pid, 1, 15)  # the reloaded page's old kernel is gone, not two
    page.close(run_before_unload=True)  # a closed tab: the beacon frees its kernel at once
    freed_after = _wait_count(pid, 0, 10)
    # A crashed browser sends no beacon: the culler takes the kernel once no page is connected.
    page = context.new_page()
    page.goto(base + "voila/render/index.ipynb", timeout=APP_TIMEOUT_MS)
    page.wait_for_selector(".explorer-app-index", timeout=APP_TIMEOUT_MS)
    _wait_count(pid, 1, 10)
    context.close()  # no beforeunload
    culled_after = _wait_count(pid, 0, 60)
    print(f"kernel RSS {rss_one / 2**20:.0f} MB; closed tab freed in {freed_after:.1f} s; "
          f"crashed tab culled in {culled_after:.1f} s")


@pytest.mark.parametrize("app", APPS)
def test_apps_whole_at_projector_sizes(open_app, app: str) -> None:
    page = open_app(app)
    page.wait_for_timeout(1500)
    back = page.locator(".explorer-back-link")
    assert back.count() == 1 and back.get_attribute("href") == "index.ipynb"
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(800)  # plotly relayouts on resize
        page.screenshot(path=str(SCREENS / f"{app}_{width}x{height}.png"))
        found = page.evaluate(CLIPPED_CONTROLS_JS)
        if found:
            problems[width] = found
    assert not problems, problems


def test_offline_deep_link_and_copy_link(voila_server, browser, no_error) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked, failed = [], []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{voila_server}voila/render/inpainting.ipynb?digit=13&mask=top-half",
              timeout=APP_TIMEOUT_MS)
    page.wait_for_selector(".explorer-app", state="visible", timeout=APP_TIMEOUT_MS)
    page.wait_for_function("document.querySelector('.explorer-digit-index input') && "
                           "document.querySelector('.explorer-digit-index input').value === '13'",
                           timeout=30_000)
    page.wait_for_timeout(1000)
    assert blocked == [] and failed == [], (blocked, failed)
    icons = page.evaluate("""() => [...document.querySelectorAll('i.fa')]
        .filter(i => i.offsetParent !== null)  // shown icons (not those of a hidden view)
        .map(i => {
        const before = getComputedStyle(i, '::before');
        return [before.content, before.fontFamily, i.getBoundingClientRect().width]; })""")
    assert icons, "no Font Awesome icon on the page"
    assert all(content not in ("none", "normal", "") and width > 0
               for content, _family, width in icons), icons
    assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 5 Free\"')")
    page.click(".explorer-copy-link")
    page.wait_for_function("document.querySelector('.explorer-link-box').value.includes('digit')",
                           timeout=10_000)
    link = page.input_value(".explorer-link-box")
    assert "digit=13" in link and "mask=top-half" in link and "model=rbm-mnist" in link
    assert "digit=13" in page.url  # the address bar carries the state too
    # A second click with nothing changed is answered as well.
    page.evaluate("() => { document.querySelector('.explorer-link-box').value = ''; }")
    page.click(".explorer-copy-link")
    page.wait_for_function("document.querySelector('.explorer-link-box').value.includes('digit')",
                           timeout=10_000)
    no_error(page)
    # A bad link: a friendly line, defaults kept, no error.
    page.goto(f"{voila_server}voila/render/inpainting.ipynb?digit=seven&mask=diagonal",
              timeout=APP_TIMEOUT_MS)
    page.wait_for_function("document.querySelector('.explorer-status') && document"
                           ".querySelector('.explorer-status').innerText.includes('defaults')",
                           timeout=APP_TIMEOUT_MS)
    no_error(page)
    context.close()


def test_apps_inside_a_plain_jupyter_server(browser, tmp_path: Path, no_error) -> None:
    """The JupyterHub route: Voilà as a server extension, /voila/render/apps/<app>.ipynb."""
    port = free_port()
    command = [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}",
               "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={ROOT}",
               "--ServerApp.ip=127.0.0.1"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ, PYTHONPATH=str(ROOT), JUPYTER_RUNTIME_DIR=str(tmp_path))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(base + "api/status", process)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "voila/render/apps/inpainting.ipynb", timeout=APP_TIMEOUT_MS)
        page.wait_for_selector(".explorer-app", state="visible", timeout=APP_TIMEOUT_MS)
        page.click(".explorer-btn-step")
        page.wait_for_function(
            "document.querySelector('.explorer-step-count').innerText.includes('1')",
            timeout=30_000)
        assert page.locator(".explorer-back-link").get_attribute("href") == "index.ipynb"
        no_error(page)
        page.close(run_before_unload=True)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
