"""`python -m bot`: the same as the `incident-bot` command, for machines where scripts are not on PATH."""

from bot.main import main

if __name__ == "__main__":
    main()
