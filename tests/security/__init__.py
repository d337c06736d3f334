"""Security tests (issue 5, §4-§6). The Slack test helpers in tests/slack (fake Web API server, signing,
driver) are imported by the module names tests/slack itself uses, so that directory goes on sys.path here,
before any module of this package imports them."""

import sys
from pathlib import Path

SLACK_TESTS = str(Path(__file__).resolve().parents[1] / "slack")
if SLACK_TESTS not in sys.path:
    sys.path.insert(0, SLACK_TESTS)
