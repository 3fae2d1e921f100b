"""The warm pool's pacing (``serve._paced_manager``) on a stand-in for Voilà's pooled kernel
manager that behaves like it: the pool is a list of tasks, a hand-out pops the first and asks
for a refill, each refill task runs ``_initialize``. Timings are scaled down (quiet period
0.3 s); the real thing is measured by ``benchmarks/bench_classroom.py --warm``."""

from __future__ import annotations

import asyncio
import time

from explorer.serve import _paced_manager


class FakeKernel:
    last_activity = None


class FakeVoilaManager:
    """The parts of Voilà's ``VoilaKernelManager`` the pacing relies on."""

    def __init__(self, pool_size: int = 3, init_s: float = 0.05) -> None:
        self.pool_size = pool_size
        self.init_s = init_s
        self.started: list[float] = []  # when each _initialize began its work
        self.running = 0
        self.most_running = 0
        self.kernels: dict[str, FakeKernel] = {}
        self._pools: dict[str, list[asyncio.Task]] = {}
        self.fill_if_needed("app.ipynb")

    def fill_if_needed(self, name: str) -> None:
        pool = self._pools.setdefault(name, [])
        loop = asyncio.get_event_loop()
        for _ in range(self.pool_size - len(pool)):
            pool.append(loop.create_task(self._initialize(name, None)))

    async def _initialize(self, name: str, kernel_id: str | None) -> dict:
        self.started.append(time.monotonic())
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        await asyncio.sleep(self.init_s)
        self.running -= 1
        kernel_id = f"k{len(self.started)}"
        self.kernels[kernel_id] = FakeKernel()
        return {"kernel_id": kernel_id}

    async def get_rendered_notebook(self, name: str):
        item = self._pools[name].pop(0)
        content = await item
        self.fill_if_needed(name)
        return None, [], content["kernel_id"]

    def __contains__(self, kernel_id: str) -> bool:
        return kernel_id in self.kernels

    def get_kernel(self, kernel_id: str) -> FakeKernel:
        return self.kernels[kernel_id]


def test_a_plain_manager_is_left_alone() -> None:
    class Plain:
        pass

    assert _paced_manager(Plain) is Plain


def test_pool_starts_at_most_parallel_kernels_at_once() -> None:
    async def scenario() -> FakeVoilaManager:
        manager = _paced_manager(FakeVoilaManager, parallel=2, quiet_s=0.3)(pool_size=6)
        await asyncio.gather(*manager._pools["app.ipynb"])
        return manager

    manager = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert len(manager.started) == 6
    assert manager.most_running == 2  # never more than `parallel`, yet using both


def test_refills_wait_for_a_quiet_moment_after_the_last_hand_out() -> None:
    async def scenario() -> tuple[FakeVoilaManager, list[float]]:
        manager = _paced_manager(FakeVoilaManager, parallel=2, quiet_s=0.3, busy=lambda: False)(
            pool_size=3)
        await asyncio.gather(*manager._pools["app.ipynb"])
        handed = []
        for _ in range(3):  # three students, 0.1 s apart: the ready kernels go first
            _, _, kernel_id = await manager.get_rendered_notebook("app.ipynb")
            assert manager.get_kernel(kernel_id).last_activity is not None  # counts as fresh
            handed.append(time.monotonic())
            await asyncio.sleep(0.1)
        await asyncio.gather(*manager._pools["app.ipynb"])
        return manager, handed

    manager, handed = asyncio.run(asyncio.wait_for(scenario(), 20))
    refills = manager.started[3:]
    assert len(refills) == 3
    assert min(refills) >= handed[-1] + 0.3 - 0.02  # none while students were arriving


def test_a_student_waiting_for_a_refill_does_not_wait_for_quiet() -> None:
    async def scenario() -> tuple[float, float]:
        manager = _paced_manager(FakeVoilaManager, parallel=1, quiet_s=5.0, busy=lambda: True)(
            pool_size=1)
        await asyncio.gather(*manager._pools["app.ipynb"])
        await manager.get_rendered_notebook("app.ipynb")  # takes the only ready kernel
        t0 = time.monotonic()
        await manager.get_rendered_notebook("app.ipynb")  # needs the refill, now
        return t0, time.monotonic()

    t0, t1 = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert t1 - t0 < 1.0  # far below the 5 s quiet period


def test_refills_also_wait_while_the_machine_is_busy() -> None:
    """Pages still loading keep the load up after the last hand-out: refills wait for it."""
    state = {"busy": True}

    async def scenario() -> tuple[FakeVoilaManager, float]:
        cls = _paced_manager(FakeVoilaManager, parallel=2, quiet_s=0.1,
                             busy=lambda: state["busy"])
        manager = cls(pool_size=2)  # before class: fills although the machine is busy
        await asyncio.gather(*manager._pools["app.ipynb"])
        await manager.get_rendered_notebook("app.ipynb")
        await asyncio.sleep(1.5)
        assert len(manager.started) == 2  # quiet for 1.4 s, but busy: no refill yet
        state["busy"] = False
        calm = time.monotonic()
        await asyncio.gather(*manager._pools["app.ipynb"])
        return manager, calm

    manager, calm = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert len(manager.started) == 3 and manager.started[2] >= calm


def test_the_culler_skips_a_kernel_still_starting() -> None:
    """jupyter_server's culler reads ``last_activity``; on a kernel still starting that trait
    is unset and reading it raises (a traceback in the lecturer's terminal, seen with 30
    kernels warming). The paced manager skips such a kernel and culls the others as before."""
    from jupyter_server._tz import utcnow
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    class CullingManager(FakeVoilaManager):
        checked: list[str] = []

        async def cull_kernel_if_idle(self, kernel_id: str) -> None:
            _ = self.get_kernel(kernel_id).last_activity  # what jupyter_server does first
            self.checked.append(kernel_id)

    async def scenario() -> None:
        manager = _paced_manager(CullingManager, parallel=2, quiet_s=0.1)(pool_size=1)
        starting, running = ServerKernelManager(), ServerKernelManager()
        running.last_activity = utcnow()
        manager.kernels.update(starting=starting, running=running)
        try:
            _ = starting.last_activity
            raise AssertionError("an unset last_activity no longer raises: test is moot")
        except Exception as error:  # noqa: BLE001 - traitlets' TraitError
            assert "last_activity" in str(error)
        await manager.cull_kernel_if_idle("starting")
        await manager.cull_kernel_if_idle("running")
        await manager.cull_kernel_if_idle("gone")
        assert manager.checked == ["running"]
        for task in manager._pools["app.ipynb"]:
            await task

    asyncio.run(scenario())
