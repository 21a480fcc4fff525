"""Dates in dumps: section lines such as `May 7`, and the year a yearless date belongs to."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE_LINES = [
    re.compile(rf"^{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?$"),
    re.compile(rf"^(?P<day>\d{{1,2}})\s+{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?$"),
    re.compile(r"^(?P<year>\d{4})-(?P<mon>\d{2})-(?P<day>\d{2})$"),
]
_NAME_DATE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_from_name(name: str) -> dt.date | None:
    """A date written in a file name (`2025-05-07`, `20250507`, `hf_2025_05_07.txt`)."""
    match = _NAME_DATE.search(name)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _latest(month: int, day: int, limit: dt.date) -> dt.date | None:
    """The latest date with this month and day that is not after `limit` (Feb 29: a leap year)."""
    for year in range(limit.year, limit.year - 9, -1):
        try:
            found = dt.date(year, month, day)
        except ValueError:  # Feb 29 in a common year, or a day the month never has
            continue
        if found <= limit:
            return found
    return None


def parse_date_line(line: str, reference: dt.date, explicit: bool) -> dt.date | None:
    """The date a section line names, or None if the line is not a date line.

    A yearless date takes the latest year that does not put it after the reference: today when
    `explicit` is False (never a future date), else the reference plus half a year (so a January
    dump can list December papers of the year before).
    """
    text = line.strip()
    if len(text) > 20:
        return None
    for pattern in _DATE_LINES:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        month = int(groups["mon"]) if groups.get("mon") else _MONTHS.get(groups["month"].lower())
        if month is None:
            return None
        day = int(groups["day"])
        if not groups.get("year"):
            slack = dt.timedelta(days=183 if explicit else 0)
            # the reference may be late in year 9999 (`--date 9999-12-31`): no date lies beyond
            limit = reference + slack if reference <= dt.date.max - slack else dt.date.max
            return _latest(month, day, min(limit, dt.date.today()))
        try:
            return dt.date(int(groups["year"]), month, day)
        except ValueError:
            return None
    return None
