"""Command line for record files: `timeline N`, `incidents --format xlsx` and `report N` (wired in bot/main.py)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot import identity
from bot.triage.short_input import incident_number
from bot.wiring import Runtime

if TYPE_CHECKING:
    from bot.records.service import RecordFile

BINARY = ("xlsx", "docx")


def _number(target: str) -> int | None:
    """The incident a target names: 12, INC-0012, ＩＮＣ－００１２ (the core's one reading)."""
    return incident_number(target)


def unique_path(path: Path) -> Path:
    """The default file name, or name-2, name-3… so an earlier (perhaps edited) file is never overwritten."""
    if not path.exists():
        return path
    for n in range(2, 10_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(str(path))


def save_whole(path: Path, content: bytes) -> None:
    """Write whole or not at all: a temporary file beside the target, then renamed over it."""
    handle, temp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def emit(runtime: Runtime, file: RecordFile, fmt: str, output: str | None, stdout: TextIO) -> int:
    """Write a RecordFile, then say (exit 1) when the chain no longer vouches for its records."""
    code = _write(runtime, file, fmt, output, stdout)
    cat = runtime.triage.catalog
    if code == 0 and file.suspect:
        stdout.write(cat.t("records.file.tampered", what=file.title,
                           seqs=", ".join(str(seq) for seq in file.suspect)) + "\n")
    if code == 0 and file.mismatch:  # the row was edited behind a sound chain: the file is as untrustworthy
        stdout.write(cat.t("records.file.mismatch", what=file.title, items=file.mismatch) + "\n")
    return 1 if code == 0 and (file.suspect or file.mismatch) else code


def _write(runtime: Runtime, file: RecordFile, fmt: str, output: str | None, stdout: TextIO) -> int:
    """Text formats to stdout unless --output; binary ones to a file, never to a terminal."""
    cat = runtime.triage.catalog
    if output == "-" or (output is None and fmt not in BINARY):
        if fmt in BINARY:
            buffer = getattr(stdout, "buffer", None)
            if buffer is None or stdout.isatty():
                stdout.write(cat.t("records.file.tty", fmt=fmt) + "\n")
                return 2
            stdout.flush()
            buffer.write(file.content)
            buffer.flush()
            return 0
        stdout.write(file.content.decode("utf-8"))
        return 0
    try:
        path = Path(output) if output else unique_path(Path(file.filename))
        save_whole(path, file.content)
    except OSError as exc:
        stdout.write(cat.t("records.file.cannot_write", path=output or file.filename,
                           error=exc.strerror or type(exc).__name__) + "\n")
        return 1
    stdout.write(cat.t("records.file.written", what=file.title, path=str(path)) + "\n")
    return 0


def _incident_command(runtime: Runtime, args: argparse.Namespace, stdout: TextIO, make: str) -> int:
    from bot.records.service import RecordsDesk
    from bot.triage.access import PermissionDenied
    from bot.triage.core import IncidentNotFound

    cat = runtime.triage.catalog
    number = _number(args.target)
    if number is None:
        stdout.write(cat.t("records.file.bad_number", command=args.command, value=repr(args.target)) + "\n")
        return 2
    desk = RecordsDesk(runtime.triage.deps, console_names(runtime))
    viewer = viewer_id(runtime, args)
    try:
        if make == "report":
            file = desk.report_file(number, viewer, args.format, calendar=args.calendar)
        else:
            file = desk.timeline_file(number, viewer, args.format)
    except IncidentNotFound:
        stdout.write(cat.t("error.not_found", ref=f"INC-{number:04d}") + "\n")
        return 1
    except PermissionDenied as exc:
        stdout.write(denied(runtime, viewer, exc))
        return 1
    return emit(runtime, file, args.format, getattr(args, "output", None), stdout)


def console_names(runtime: Runtime) -> dict[str, str]:
    """The console users app.yaml names, by the id the core stores: `--as` one of them is said by name."""
    users = runtime.settings.file.console.users.values()
    return {user.id if identity.split(user.id)[0] else identity.qualify("console", user.id): user.name
            for user in users}


def viewer_id(runtime: Runtime, args: argparse.Namespace) -> str | None:
    """--as USER as the core stores it: a bare id naming exactly one known user (a console user, PR, security) is
    theirs, rather than a refusal recorded as an unauthorised attempt; any other is kept as typed."""
    viewer = getattr(args, "as_user", None) or None
    if not viewer or ":" in viewer:
        return viewer
    access = runtime.triage.deps.access
    found = {user for user in {*console_names(runtime), *access.pr_members, *access.security_officers}
             if user.split(":", 1)[-1] == viewer}
    return found.pop() if len(found) == 1 else viewer


def denied(runtime: Runtime, viewer: str | None, exc: Exception | None = None) -> str:
    """The refusal and who may (as the chat says it); for an id without its platform (「--as U0123」), how app.yaml
    names users, too."""
    from bot.presenting import failure_text

    cat, access = runtime.triage.catalog, runtime.triage.deps.access
    said = ((failure_text(exc, cat) if exc is not None else None) or cat.t("error.denied")) + "\n"
    if viewer and ":" not in viewer:
        known = sorted(access.pr_members | access.security_officers)
        example = next((user for user in known if user.split(":", 1)[-1] == viewer), f"console:{viewer}")
        said += cat.t("records.file.as_platform", example=example) + "\n"
    return said


def timeline(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """`incident-bot timeline N [--format md|csv|json|xlsx] [--output FILE] [--as USER]`."""
    return _incident_command(runtime, args, stdout, "timeline")


def report(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """`incident-bot report N [--format docx|md] [--output FILE] [--calendar …] [--as USER]`."""
    return _incident_command(runtime, args, stdout, "report")


def incidents(runtime: Runtime, args: argparse.Namespace, stdout: TextIO) -> int:
    """`incident-bot incidents --format xlsx [--open] [--output FILE] [--as USER]`."""
    from bot.records.service import RecordsDesk
    from bot.triage.access import PermissionDenied

    viewer = viewer_id(runtime, args)
    try:
        file = RecordsDesk(runtime.triage.deps).incidents_file(viewer, open_only=args.open)
    except PermissionDenied as exc:
        stdout.write(denied(runtime, viewer, exc))
        return 1
    return emit(runtime, file, "xlsx", getattr(args, "output", None), stdout)
