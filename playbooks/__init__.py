"""Built-in playbooks, municipality profiles and drafts, shipped as package data (located by bot.paths)."""
