"""The kernels an ``explorer serve`` process runs, counted from the outside (tests, benchmarks)."""

from __future__ import annotations

import psutil


def kernel_processes(pid: int) -> list[psutil.Process]:
    """The ipykernel processes below process ``pid`` (none once it has exited)."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for child in children:
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # exited (or a zombie) meanwhile
            pass
    return found
