"""A waitress channel whose main loop does not poll a connection for writing while a worker thread answers it."""

# Why: waitress' main loop asks every connection readable()/writable() on each turn and polls the writable ones.
# While a task thread writes its answer (`write_soon` appends to the out-buffer, then sends under the buffer's
# lock), the out-buffer is briefly non-empty; if that thread loses the GIL inside send(), the main loop sees a
# writable socket, fails to take the lock (`_flush_some_if_lockable`), and turns again at once, holding the GIL
# between polls: measured ~15 turns of 66 connections per request at 450 deliveries/s (bench/README.md, session
# 8), 28–46 % of the bot's CPU. A task thread flushes its own writes and pulls the trigger when the socket could
# not take them all, and waitress pulls it again when the task ends, so the main loop loses nothing by waiting.

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel


class TaskFlushedChannel(HTTPChannel):  # type: ignore[misc]
    """HTTPChannel that leaves a running task's output to the task thread (until it ends or must be closed)."""

    def writable(self) -> bool:
        if (self.requests and not self.will_close and not self.close_when_flushed
                and self.total_outbufs_len <= self.adj.outbuf_high_watermark):
            # Above the high watermark the task thread waits for the main loop to flush (waitress' own rule).
            return False
        return bool(super().writable())


def flush_from_tasks(server: Any) -> Any:
    """Make a waitress server (from `waitress.create_server`) open its connections as TaskFlushedChannel."""
    server.channel_class = TaskFlushedChannel
    return server


__all__ = ["TaskFlushedChannel", "flush_from_tasks"]
