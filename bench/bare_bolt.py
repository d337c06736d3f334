"""The baseline: a bare Bolt app on the same server as `incident-bot serve` (waitress, 8 threads, Bolt's WSGI
adapter at POST /slack/events) whose listeners do nothing. Same Web API client setup (token, SLACK_API_URL,
auth.test at start), same logging configuration, so the difference to our bot is our work only.

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=… python -m bench.bare_bolt --port 0
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def build_app() -> App:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"], timeout=15)
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], token_verification_enabled=True,
              name="bare-bolt")

    @app.event("message")
    def on_message() -> None:
        return None

    @app.event("app_mention")
    def on_mention() -> None:
        return None

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_bolt")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    handler = SlackRequestHandler(build_app(), path="/slack/events")
    server = waitress.create_server(handler, host=args.host, port=args.port, threads=8, ident="bare-bolt",
                                    clear_untrusted_proxy_headers=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"listening on http://{server.effective_host}:{server.effective_port}/slack/events", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
