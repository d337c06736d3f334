"""`incident-bot` with one setting changed, to measure what a change would buy before anyone makes it.

    BENCH_WHATIF=sqlite-normal,ack-first python -m bench.whatif --config app.yaml serve --port 0

- ``sqlite-normal``: PRAGMA synchronous=NORMAL on every SQLite connection (WAL: commits stop waiting for an
  fsync; a crash of the bot loses nothing, a power loss may lose the last commits).
- ``ack-first``: Bolt's process_before_response=False (HTTP 200 before the listener runs, the behaviour before
  the reliability change in bot/adapters/slack/app.py).
- ``inbox-workers-N``: the inbox (bot/delivery/inbox.py) runs its deliveries on N threads instead of its default.
- ``switch-Nms``: sys.setswitchinterval(N ms) (CPython's default is 5 ms): how long a thread back from I/O can wait
  for the GIL while another thread computes.

Nothing here is used by the bot itself; the patches live only in this process.
"""

from __future__ import annotations

import os
from typing import Any


def apply(variants: set[str]) -> None:
    if "sqlite-normal" in variants:
        from sqlalchemy import event

        import bot.wiring
        import storage.db

        original = storage.db.make_engine

        def make_engine(url: str, **kwargs: Any) -> Any:
            engine = original(url, **kwargs)
            if engine.dialect.name == "sqlite":
                @event.listens_for(engine, "connect")
                def _normal(dbapi_connection: Any, _record: Any) -> None:
                    cursor = dbapi_connection.cursor()
                    cursor.execute("PRAGMA synchronous=NORMAL")
                    cursor.close()
            return engine

        storage.db.make_engine = make_engine  # type: ignore[assignment]
        bot.wiring.make_engine = make_engine  # type: ignore[attr-defined]
    if "ack-first" in variants:
        import slack_bolt

        import bot.adapters.slack.app as slack_app

        class AckFirstApp(slack_bolt.App):  # type: ignore[misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs["process_before_response"] = False
                super().__init__(*args, **kwargs)

        slack_app.App = AckFirstApp  # type: ignore[misc]
    for variant in variants:
        if variant.startswith("inbox-workers-"):
            import functools

            import bot.adapters.slack.app as slack_app

            slack_app.Inbox = functools.partial(slack_app.Inbox, workers=int(variant.rsplit("-", 1)[1]))  # type: ignore[misc]
        if variant.startswith("switch-") and variant.endswith("ms"):
            import sys

            sys.setswitchinterval(float(variant[len("switch-"):-2]) / 1000)


if __name__ == "__main__":
    apply({v for v in os.environ.get("BENCH_WHATIF", "").split(",") if v})
    from bot.main import main

    main()
