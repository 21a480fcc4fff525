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
_NAME_DATE = re.compile(
    r"(?<!\d)(20\d{2}|19\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)"
)


def date_from_name(name: str) -> dt.date | None:
    """A date written in a file name (`2025-05-07`, `20250507`, `hf_2025_05_07.txt`)."""
    match = _NAME_DATE.search(name)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_date_line(line: str, reference: dt.date, explicit: bool) -> dt.date | None:
    """The date a section line names, or None if the line is not a date line.

    A yearless date takes the reference's year. When the reference is today (`explicit` False) a
    date that would lie in the future belongs to last year; with an explicit reference, only a date
    more than half a year after it does (a January dump listing December papers).
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
        year = int(groups["year"]) if groups.get("year") else reference.year
        try:
            found = dt.date(year, month, int(groups["day"]))
        except ValueError:
            return None
        if not groups.get("year"):
            slack = dt.timedelta(days=183 if explicit else 0)
            if found > reference + slack:
                found = (
                    found.replace(year=year - 1) if not (month == 2 and found.day == 29) else found
                )
        return found
    return None
