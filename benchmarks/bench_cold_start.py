"""Time to a usable app, per app, in a real browser: from navigation to widgets rendered AND a
click answered by the kernel (the "Copy link" button: browser → kernel → browser).

    .venv/bin/python benchmarks/bench_cold_start.py [--apps inpainting,vae_manifold] [--runs 2]

Cold: a fresh ``explorer serve`` with no preheated kernel, one page. Preheated: ``explorer serve
--preheat 1``, measured once the pool is warm (CPU idle). Targets (2-core machine): ≤ 5 s cold,
≤ 2 s preheated. Results: benchmarks/results/cold_start.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, free_port  # noqa: E402
from tests.kernels import kernel_processes  # noqa: E402

APPS = ["inpainting", "vae_manifold", "saddle_game", "dae_chain", "mode_collapse", "evaluation"]
USABLE_JS = """async () => {
  const button = document.querySelector('.explorer-copy-link');
  button.click();
  while (!document.querySelector('.explorer-link-box').value)
    await new Promise(r => setTimeout(r, 10));
}"""


@contextmanager
def serve(*options: str, log: Path | None = None):
    """A real ``explorer serve`` on a free port; yields (base URL, pid); stops it (SIGTERM)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", "serve", "--port", str(port), "--no-browser",
         *options], stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        import urllib.error
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(base + "voila/none", timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def wait_until_quiet(pid: int, n_kernels: int, timeout: float = 300) -> None:
    """Until ``n_kernels`` kernels run and they have finished their work (pool warm); the
    machine may be busy with other things, so only the kernels' own CPU counts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(kernel_processes(pid)) < n_kernels:
        time.sleep(1)
    while time.monotonic() < deadline:
        procs = kernel_processes(pid)
        for proc in procs:
            proc.cpu_percent(None)
        time.sleep(2)
        busy = sum(proc.cpu_percent(None) for proc in procs if proc.is_running())
        if busy < 10:
            return


def time_to_usable(browser, url: str, timeout_ms: int = 180_000) -> float:
    """Seconds from navigation to the app rendered and answering a click."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    start = time.perf_counter()
    page.goto(url, timeout=timeout_ms)
    page.wait_for_selector(".explorer-copy-link", state="visible", timeout=timeout_ms)
    page.evaluate(USABLE_JS)
    elapsed = time.perf_counter() - start
    page.close(run_before_unload=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(APPS))
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for app in args.apps.split(","):
            cold, warm = [], []
            for _ in range(args.runs):
                with serve() as (base, _pid):
                    cold.append(time_to_usable(browser, f"{base}voila/render/{app}.ipynb"))
                print(f"{app:14s} cold {cold[-1]:5.1f} s", flush=True)
                with serve("--preheat", "1") as (base, pid):
                    wait_until_quiet(pid, len(APPS) + 1)
                    warm.append(time_to_usable(browser, f"{base}voila/render/{app}.ipynb"))
                print(f"{app:14s} preheated {warm[-1]:5.1f} s", flush=True)
            results[app] = {"cold_s": cold, "preheated_s": warm}
            print(f"{app:14s} median: cold {statistics.median(cold):5.1f} s   "
                  f"preheated {statistics.median(warm):5.1f} s", flush=True)
        browser.close()
    out = ROOT / "benchmarks" / "results" / "cold_start.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
