"""Microsoft Teams adapter on the Microsoft 365 Agents SDK (`bot.adapters.teams.app.build_teams_app`); importing
this package imports no SDK, so `settings` stays usable without the optional `teams` extra."""
