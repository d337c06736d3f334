"""LINE WORKS (Bot API 2.0) adapter: callbacks in, messages out; translation and rendering only."""
