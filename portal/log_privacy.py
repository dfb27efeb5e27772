"""Log records never carry an exception's message (docs/security.md S13).

The message of an exception is where typed data ends up: `int("Warfarin 5 mg")` puts the
answer in a ValueError, a unique-constraint error from PostgreSQL quotes the duplicate
email address. Every record that carries an exception gets a traceback in which each
exception is named by its type only; the frames (files, lines, code) are kept, so the
error can still be found. The exception object itself is taken off the record, so no
handler (an error-mailing one, say) can format it in full.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

WITHHELD = "(message withheld: it may contain what was typed)"


def withheld_traceback(exc: BaseException) -> str:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    parts = []
    for error in reversed(chain):
        kind = type(error)
        parts.append(
            "Traceback (most recent call last):\n"
            + "".join(traceback.format_tb(error.__traceback__))
            + f"{kind.__module__}.{kind.__qualname__} {WITHHELD}"
        )
    return "\n\nWhile handling the above, another exception occurred:\n\n".join(parts)


def install() -> None:
    """Wrap the log record factory (once) so that every record is stripped as above."""
    make_record: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(make_record, "withholds_exception_text", False):
        return

    def record_without_exception_text(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = withheld_traceback(record.exc_info[1])
            record.exc_info = None
        return record

    record_without_exception_text.withholds_exception_text = True
    logging.setLogRecordFactory(record_without_exception_text)
