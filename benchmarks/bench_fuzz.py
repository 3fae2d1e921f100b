"""The long fuzz: random student actions on each app for ``--minutes`` (default 10) in a real
browser; reports actions, page errors, tracebacks/error lines, and whether the app still answers.

    .venv/bin/python benchmarks/bench_fuzz.py [--apps saddle_game] [--minutes 10]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from bench_cold_start import APPS, serve  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.browser.fuzz import fuzz, still_answering  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default=",".join(APPS))
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {}
    with serve() as (base, _pid), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for app in args.apps.split(","):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            url = f"{base}voila/render/{app}.ipynb"
            page.goto(url, timeout=180_000)
            page.wait_for_selector(".explorer-app", timeout=180_000)
            counts = fuzz(page, 60 * args.minutes, seed=sum(map(ord, app)), app_url=url)
            try:
                page.set_viewport_size({"width": 1400, "height": 1000})
                still_answering(page)
                answering = True
            except Exception:  # noqa: BLE001 - reported
                answering = False
            body = page.inner_text("body")
            results[app] = {
                "actions": sum(counts.values()), "by_action": counts, "page_errors": len(errors),
                "first_errors": sorted(set(errors))[:3], "tracebacks": body.count("Traceback"),
                "error_lines": page.locator(".explorer-status-error").count(),
                "still_answering": answering,
            }
            print(app, json.dumps(results[app]), flush=True)
            page.close(run_before_unload=True)
        browser.close()
    out = ROOT / "benchmarks" / "results" / "fuzz.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
