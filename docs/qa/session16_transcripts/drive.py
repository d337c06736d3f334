"""Drive the installed console like a pipe, echoing each input line so the transcript reads as a session."""
import sys, io
from bot.main import main

class Echo(io.TextIOBase):
    def __init__(self, lines): self.lines = iter(lines)
    def readline(self, *a):
        for line in self.lines:
            if line.startswith("#!"):
                continue
            sys.stdout.write(f"\n>>> {line}")
            sys.stdout.flush()
            return line
        return ""
    def isatty(self): return False
    def readable(self): return True

script = open(sys.argv[1], encoding="utf-8").read().splitlines(keepends=True)
sys.stdin = Echo(script)
sys.argv = ["incident-bot", *sys.argv[2:]]
sys.exit(main())
