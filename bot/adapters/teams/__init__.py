"""Microsoft Teams adapter on the Microsoft 365 Agents SDK (`bot.adapters.teams.app.build_teams_app`).

Importing this package imports nothing from the SDK: `bot.adapters.teams.settings` stays usable by the
configuration without the optional `teams` extra installed.
"""
