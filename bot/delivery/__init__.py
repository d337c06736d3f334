"""Neutral delivery: what users see after a core call, planned once, posted once, paced, resumable.

* `content`: what to show (neutral; each adapter renders it), `Place`/`Posted`, the `ChatPort` adapters implement;
* `plan`: a core Outcome -> ordered operations, with the ordering and privacy rules written once;
* `ledger`: claim / put / drop of "posted once" marks with one lease helper;
* `runner`: executes a plan through a ChatPort, failures recorded on the timeline;
* `pacing`: per-channel outbound turns within platform limits, fair, by severity, bounded, never giving up;
* `controls`, `closing`: what follows a step, a kind correction, an acknowledgement, an end and the closing review;
* `intake`, `asking`, `resume`: which message is a report and what follows it, the private question's buttons and
  answer, and where an interrupted report is finished;
* `typed`, `form_report`: a message typed to the bot (help, usage, command, report) and a message reported through
  a platform's form, read the same on every platform;
* `refusals`, `shared`, `delivering`, `health`: a failed action in the user's words, a plan handed to the pacer (its
  failures told to whoever acted), and the database probe behind GET /healthz, for every adapter;
* `edits`, `earlier_replies`: a reported message edited or deleted, and the colleagues who had replied in a thread
  that became restricted, advised once;
* `assembly`: `build_delivery` wires the pacer and runner of any platform.

Nothing here imports a chat SDK (tests/test_architecture.py).
"""
