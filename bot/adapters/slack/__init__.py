"""Slack adapter: a thin Bolt layer over the triage core (build it with `build_slack_app(runtime)`)."""

from bot.adapters.slack.app import SlackAdapter, build_slack_app

__all__ = ["SlackAdapter", "build_slack_app"]
