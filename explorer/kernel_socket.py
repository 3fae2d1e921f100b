"""The kernel websocket connection with TCP_NODELAY, for ``explorer serve`` and Jupyter server.

Tornado leaves Nagle's algorithm on for websockets, and every widget message from the browser
(a click, a canvas acknowledging a painted frame) makes the kernel answer with two small
``status`` messages, busy then idle. Nagle holds the second one until the browser's TCP
acknowledgement of the first, which Linux delays by 40 ms, and every widget update queues
behind it. Measured through ``explorer serve`` on 2 busy cores (load 5–7): a kernel → browser
message took 28–37 ms (median) while the browser acknowledged each painted frame, 1.9 ms with
TCP_NODELAY; the DAE chain's canvas went from 19–20 to 28–29 frames/s (30 asked), its
"Next sub-step" click → visible from 64–77 ms to 33–60 ms (medians), Pause from ~60 ms to
7–25 ms (``benchmarks/bench_dae.py --browser``).

``explorer serve`` passes this class to Voilà; inside a plain Jupyter server (the JupyterHub
and Binder route) set ``c.ServerApp.kernel_websocket_connection_class =
"explorer.kernel_socket.NoDelayConnection"``.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """Jupyter server's kernel websocket connection, sending without Nagle's delay."""

    def connect(self) -> asyncio.Future[None] | None:
        self.websocket_handler.set_nodelay(True)
        return super().connect()
