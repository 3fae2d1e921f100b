"""Real-browser fixtures: one real ``explorer serve`` (standalone Voilà) per session, and
headless Debian Chromium driven by Playwright.

``open_app("inpainting")`` opens ``apps/inpainting.ipynb`` and waits until the app's root widget
(CSS class ``explorer-app``) is visible; ``assert_no_error(page)`` checks that no error line and
no traceback is on the page.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("EXPLORER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
APP_TIMEOUT_MS = 120_000  # a cold kernel on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"explorer serve exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"explorer serve did not answer at {url} within {timeout:.0f} s")


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", "serve", "--port", str(port), "--no-browser"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def stop_server(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def voila_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real ``explorer serve`` on a free localhost port."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("voila") / "serve.log"
    process = start_server(port, log_path)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(base, process)
        yield base
    finally:
        stop_server(process)
        log = log_path.read_text(errors="replace")
        if "Traceback" in log:
            print("---- explorer serve log ----\n" + log[-5000:])


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module. Not for the session: Playwright's sync API keeps its own
    asyncio loop set as *running* in the main thread while it is open, which breaks any later
    test that runs an event loop (asyncio.run) or asks for the running loop."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run the README's test command (it installs Chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_app(voila_server: str, browser) -> Iterator[Callable[[str], object]]:
    """``open_app(name)`` -> a Playwright page showing ``apps/<name>.ipynb``, widgets rendered."""
    contexts = []

    def _open(name: str):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        page.console_messages = []  # type: ignore[attr-defined]
        page.on("console", lambda message: page.console_messages.append(message.text))
        page.goto(f"{voila_server}voila/render/{name}.ipynb", timeout=APP_TIMEOUT_MS)
        page.wait_for_selector(".explorer-app", state="visible", timeout=APP_TIMEOUT_MS)
        return page

    yield _open
    for context in contexts:
        context.close()


def relayout_loops(page) -> list[str]:
    """plotly's warning when a figure's margins never settle (each loop re-plots the figure:
    the VAE plane's legend once cost ~1 s of every page load that way)."""
    return [m for m in getattr(page, "console_messages", []) if "auto-margin" in m]


def assert_no_error(page) -> None:
    """No error status line, no traceback or error output anywhere on the page."""
    errors = page.locator(".explorer-status-error")
    assert errors.count() == 0, f"error shown: {errors.first.inner_text()}"
    outputs = page.locator(
        '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error'
    )
    assert outputs.count() == 0, f"error output: {outputs.first.inner_text()[:500]}"
    body = page.inner_text("body")
    assert "Traceback" not in body, body[:2000]


def wait_for_status(page, text: str, timeout_ms: int) -> None:
    """Wait until the app's status line (the first ``.explorer-status``) contains ``text``."""
    page.wait_for_function(
        "text => document.querySelector('.explorer-status').innerText.includes(text)",
        arg=text,
        timeout=timeout_ms,
    )


@pytest.fixture
def no_error() -> Callable[[object], None]:
    return assert_no_error
