"""Slack adapter: a thin Bolt layer over the triage core (build it with `build_slack_app(runtime)`)."""

from bot.adapters.slack.app import SlackBot, build_slack_app

__all__ = ["SlackBot", "build_slack_app"]
