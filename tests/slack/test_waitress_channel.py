"""The waitress channel of `serve`: its main loop leaves a running task's output to the task thread (no spinning),
and answers still arrive whole, large or small."""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import waitress
from waitress.adjustments import Adjustments

from bot.adapters.slack.cli import make_server
from bot.adapters.waitress_channel import TaskFlushedChannel, flush_from_tasks


@pytest.fixture
def channel() -> Iterator[TaskFlushedChannel]:
    """A channel on one end of a socket pair, as the server's accept would make it."""
    ours, theirs = socket.socketpair()
    server = SimpleNamespace(pull_trigger=lambda: None, add_task=lambda channel: None, active_channels={})
    made = TaskFlushedChannel(server, ours, ("127.0.0.1", 0), Adjustments(), map={})
    try:
        yield made
    finally:
        made.close()
        theirs.close()


def test_a_task_writing_its_answer_is_not_polled_for_writing(channel: TaskFlushedChannel) -> None:
    channel.requests = [object()]  # a task thread is serving this connection
    channel.outbufs[-1].append(b"HTTP/1.1 200 OK\r\n")  # and is part way through sending its answer
    channel.total_outbufs_len = 17
    assert not channel.writable()  # waitress' own HTTPChannel says True here, and its main loop spins


def test_output_left_when_no_task_runs_or_the_connection_closes_is_polled(channel: TaskFlushedChannel) -> None:
    channel.outbufs[-1].append(b"rest")
    channel.total_outbufs_len = 4
    assert channel.writable()  # the task ended with output the socket could not take: the main loop sends it
    channel.requests = [object()]
    channel.will_close = True
    assert channel.writable()
    channel.will_close = False
    channel.total_outbufs_len = channel.adj.outbuf_high_watermark + 1  # the task waits for the main loop
    assert channel.writable()


def test_serve_opens_every_connection_as_the_task_flushed_channel() -> None:
    server = make_server(SimpleNamespace(), None, "127.0.0.1", 0)  # type: ignore[arg-type]
    try:
        assert server.channel_class is TaskFlushedChannel
    finally:
        server.close()


@pytest.mark.parametrize("size", [200, 3 * 1024 * 1024])
def test_answers_arrive_whole_past_the_socket_buffer_and_the_high_watermark(size: int) -> None:
    chunk = b"x" * 65536

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))])
        sent = 0
        while sent < size:
            piece = chunk[:size - sent]
            sent += len(piece)
            yield piece

    # A small high watermark makes the task thread wait for the main loop to flush, the case left to waitress.
    server = flush_from_tasks(waitress.create_server(app, host="127.0.0.1", port=0, threads=2,
                                                     outbuf_high_watermark=256 * 1024, asyncore_use_poll=True))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(3):  # keep-alive and fresh connections alike
            with urllib.request.urlopen(f"http://127.0.0.1:{server.effective_port}/", timeout=30) as response:  # noqa: S310  # nosec B310 - local test server
                assert len(response.read()) == size
    finally:
        server.close()
        thread.join(timeout=10)
