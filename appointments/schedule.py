"""When reminders are due, in the clinic's own time (TIME_ZONE).

A reminder for "N days before" is due at REMINDER_SEND_AT on the local date N days before
the appointment's local date. Working in local dates and times, not in hours before, is
what keeps a reminder at 10:00 across a daylight-saving change. Nothing is sent outside
REMINDER_DAYTIME: a pass at night sends nothing, and the next one in the morning catches up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _clock(value: str, name: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a time such as 10:00, not {value!r}") from error


@dataclass(frozen=True)
class Schedule:
    days_before: tuple[int, ...]  # largest first
    send_at: time
    day_starts: time
    day_ends: time
    zone: ZoneInfo

    @classmethod
    def from_settings(cls) -> Schedule:
        days = tuple(sorted({int(d) for d in settings.REMINDER_DAYS_BEFORE}, reverse=True))
        if any(d < 1 for d in days):
            raise ImproperlyConfigured("REMINDER_DAYS_BEFORE holds whole days of 1 or more")
        starts, _, ends = settings.REMINDER_DAYTIME.partition("-")
        schedule = cls(
            days_before=days,
            send_at=_clock(settings.REMINDER_SEND_AT, "REMINDER_SEND_AT"),
            day_starts=_clock(starts, "REMINDER_DAYTIME"),
            day_ends=_clock(ends, "REMINDER_DAYTIME"),
            zone=ZoneInfo(settings.TIME_ZONE),
        )
        if not schedule.day_starts <= schedule.send_at < schedule.day_ends:
            raise ImproperlyConfigured("REMINDER_SEND_AT must fall within REMINDER_DAYTIME")
        return schedule

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def is_daytime(self, moment: datetime) -> bool:
        return self.day_starts <= self.local(moment).time() < self.day_ends

    def due_at(self, starts_at: datetime, days_before: int) -> datetime:
        """The moment the reminder `days_before` an appointment falls due."""
        day = self.local(starts_at).date() - timedelta(days=days_before)
        return datetime.combine(day, self.send_at, tzinfo=self.zone)

    def latest_due_slot(self, starts_at: datetime, now: datetime) -> int | None:
        """The slot closest to the appointment whose time has come, or None. Only that one
        is sent: an appointment booked late gets one reminder, not every slot missed."""
        due = [d for d in self.days_before if self.due_at(starts_at, d) <= now]
        return min(due) if due else None

    def horizon(self, now: datetime) -> datetime:
        """Every appointment with a reminder due at `now` starts before this moment (the
        end of the latest local date the largest slot reaches)."""
        today = self.local(now).date()
        reach = max(self.days_before) - (0 if self.local(now).time() >= self.send_at else 1)
        return self.start_of(today + timedelta(days=reach + 1))

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone)
