"""A failed action in the user's words, the same on every platform: a core refusal, a storage outage, the
platform's own error (by its code) or the unexpected. Each is logged once by what it was, with ids and codes only
(never report text), and nobody is ever shown a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot.delivery.content import DeliveryError
from bot.delivery.shared import RecordError
from bot.i18n import Catalog
from bot.presenting import failure_text
from bot.triage.access import PermissionDenied
from bot.triage.core import StorageUnavailable


def _none(exc: BaseException) -> str | None:
    return None


def delivery_code(exc: BaseException) -> str | None:
    """The code of a failed delivery call (a port's DeliveryError), else None."""
    return exc.code if isinstance(exc, DeliveryError) else None


@dataclass(frozen=True)
class Refusals:
    """One platform's words for failures: `code_of` names its errors (None: not one of them); `record` puts a
    platform error of a known incident on its timeline (delivery/shared.py error_recorder, which logs it too);
    `own_words` may explain a refusal the platform knows more about (Teams: a guest, another tenant)."""

    catalog: Catalog
    platform: str
    code_of: Callable[[BaseException], str | None] = delivery_code
    record: RecordError | None = None
    own_words: Callable[[BaseException], str | None] = _none

    def _log(self, level: int, event: str, **fields: object) -> None:
        shown = " ".join(f"{key}={value}" for key, value in fields.items() if value is not None)
        logging.getLogger(f"incident_bot.{self.platform}").log(level, f"{self.platform}.{event} {shown}",
                                                               extra=fields)

    def api_text(self, code: str) -> str:
        """A platform error code in the user's words (`<platform>.error.code.<code>` when the catalogue has it)."""
        key = f"{self.platform}.error.code.{code}"
        detail = self.catalog.t(key) if key in self.catalog.keys() else code
        return self.catalog.t(f"{self.platform}.error.api", error=detail)

    def codes_text(self, codes: Iterable[str]) -> tuple[str, ...]:
        """A delivery's failure codes in words, each said once."""
        return tuple(dict.fromkeys(self.api_text(code) for code in codes))

    def words(self, exc: BaseException, action: str, incident_id: int | None = None) -> str:
        """What to tell the user who acted (and the log line saying what happened)."""
        code = self.code_of(exc)
        if code is not None:
            if incident_id is not None and self.record is not None:
                self.record(incident_id, action, code)
            else:
                self._log(logging.ERROR, "api_error", incident_id=incident_id, action=action, error=code)
            return self.api_text(code)
        if isinstance(exc, PermissionDenied):
            self._log(logging.WARNING, "denied", incident_id=exc.incident_id, user=exc.user_id, action=exc.action)
        elif isinstance(exc, SQLAlchemyError):
            self._log(logging.ERROR, "storage_error", incident_id=incident_id, action=action,
                      error=type(exc).__name__)
        text = self.own_words(exc) or failure_text(exc, self.catalog, incident_id)
        if text is None:  # a bug: its traceback goes to the log only
            logging.getLogger(f"incident_bot.{self.platform}").error(
                "%s.unexpected action=%s incident_id=%s", self.platform, action, incident_id, exc_info=exc)
            return self.catalog.t(f"{self.platform}.error.unexpected")
        return text

    def told(self, exc: BaseException, action: str, incident_id: int | None = None, *,
             stored: bool = False) -> str | None:
        """`words` for the user who acted, a storage outage said in the catalogue's words; None when the core had
        committed (`stored`: only posts were left): then "try again" would make them report twice, and their next
        click or resume finishes the posts, so the outage is only logged."""
        if not isinstance(exc, (StorageUnavailable, SQLAlchemyError)):
            return self.words(exc, action, incident_id)
        self._log(logging.WARNING if isinstance(exc, StorageUnavailable) else logging.ERROR, "storage_unavailable",
                  incident_id=incident_id, action=action, stored=stored, error=type(exc.__cause__ or exc).__name__)
        return None if stored else self.catalog.t("error.storage")


__all__ = ["Refusals", "delivery_code"]
