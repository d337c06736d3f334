"""Where the CPU of one delivery kind goes, without a profiler's distortion: the in-process setup of
bench/profile_inproc.py, with the thread CPU time spent inside a few functions summed (the outermost call only).

    python -m bench.cpu_split [--kind report_new] [--count 150]

cProfile inflates call-heavy code (slack_sdk's Block Kit models, SQLAlchemy) ~3×; this keeps the real figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import servers
from bench.profile_inproc import Sender, build, warm_up


class Split:
    """CPU seconds per label, counted once per outermost wrapped call of its group."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.inside: dict[str, bool] = {}

    def wrap(self, owner: Any, name: str, label: str, group: str) -> None:
        fn: Callable[..., Any] = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.inside.get(group):
                return fn(*args, **kwargs)
            self.inside[group] = True
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + time.thread_time() - start
                self.inside[group] = False

        setattr(owner, name, timed)


def instrument(split: Split) -> None:
    """The functions timed: the adapter's rendering and Web API client, the core's use case, the ledger."""
    from sqlalchemy.engine import Connection

    from bot.adapters.slack import keepalive, port, render
    from bot.triage import classify, incidents, queries, steps

    split.wrap(render.Rendered, "payload", "adapter: Block Kit objects to dicts (slack_sdk models)", "top")
    split.wrap(port.SlackPort, "rendered", "adapter: content to Block Kit objects", "top")
    split.wrap(keepalive.KeepAliveClient, "api_call", "adapter: Web API calls (slack_sdk client, HTTP)", "top")
    split.wrap(incidents.IncidentDesk, "report", "core: report use case (classification and its transaction)", "top")
    split.wrap(queries.IncidentQueries, "claim_refs", "delivery: ledger claim transaction", "top")
    split.wrap(queries.IncidentQueries, "put_refs", "delivery: ledger record transaction", "top")
    # The claims' statements, in their own transaction or (a new report since session 8) in the core's.
    if hasattr(queries.IncidentQueries, "claim_refs_on"):  # a base before session 8 has no such function
        split.wrap(queries.IncidentQueries, "claim_refs_on", "  of which: ledger claims (statements)", "inner")
    split.wrap(classify.Classifier, "classify", "  of which: classification", "inner")
    split.wrap(steps.StepRunner, "current_view", "  of which: first step rendered", "inner")
    split.wrap(Connection, "_commit_impl", "  of which: commits (all transactions)", "inner")
    if hasattr(incidents.IncidentDesk, "_report_in"):  # the report transaction's parts (session 21)
        from sqlalchemy.orm import Session

        from bot.triage import core, earlier, notice

        split.wrap(earlier, "about_post", "    core: resolved/ended incidents of the post", "part")
        split.wrap(notice, "notify_first", "    core: first notice and escalation rows", "part")
        split.wrap(core, "append_events", "    core: timeline events (hash chain, one INSERT)", "part")
        split.wrap(incidents, "exposes_personal_data", "    core: personal-data cues in the text", "part")
        split.wrap(Session, "commit", "    core: Session commit (chain head, flush, COMMIT)", "part")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", default="report_new")
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--cold-names", action="store_true", help="do not look the bench users' names up first")
    args = parser.parse_args(argv)
    split = Split()
    instrument(split)
    with tempfile.TemporaryDirectory(prefix="bench-split-") as tmp_name:
        tmp = Path(tmp_name)
        fake = servers.FakeSlack(tmp)
        try:
            sender = Sender(build(tmp, fake))
            warm_up(sender, names=not args.cold_names)
            sender.send(args.kind, 20)
            # Counted from the first measured delivery on (the sender's unmeasured first 50 are merges).
            total = sender.send(args.kind, args.count, started=split.spent.clear)
        finally:
            fake.stop()
    figures = {"total": round(total, 3)}
    figures.update({label: round(seconds / args.count * 1000, 3) for label, seconds in sorted(split.spent.items())})
    timed = sum(seconds for label, seconds in split.spent.items() if not label.startswith(" "))
    figures["rest: gate, Bolt, listener, plan, pacing (total minus the above)"] = round(
        total - timed / args.count * 1000, 3)
    print(json.dumps({f"{args.kind} CPU ms per delivery": figures}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
