"""English dates, times and years: "14 July 2024", "9:30am", "the 1980s", "in 1939".

Each rule here runs only where :data:`audioessay.text.en.RULES` lists it.
"""

from __future__ import annotations

import re

from audioessay.text.en.context import (
    ends_sentence,
    is_plural_noun,
    make_rule,
    word_after,
    word_before,
    word_set,
)
from audioessay.text.en.money_units import UNITS
from audioessay.text.en.spoken import (
    LETTER_JOINER,
    cardinal,
    counted,
    is_year,
    ordinal,
    plural,
    whole_number,
    year,
)
from audioessay.text.lang_base import Recorder

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = {
    "Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7,
    "Aug": 8, "Sep": 9, "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12,
}  # fmt: skip
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(MONTHS)} | MONTH_ABBREVIATIONS


# Year context: a 4-digit number after these words is a year.
YEAR_BEFORE = word_set(
    "in since by until till during circa from summer winter spring autumn fall early late "
    "mid year c ca before after of"
)
# ...and after these it is a count.
COUNT_BEFORE = word_set(
    "about approximately over under nearly almost some than exactly only just roughly total "
    "additional another extra least most more fewer top"
)


def _month_name(token: str) -> str:
    return MONTHS[_MONTH_NUMBER[token] - 1]


_ORD = r"(?:st|nd|rd|th)?"
_MONTH = (
    r"\b(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(?![A-Za-z])(?P<mdot>\.)?"
)


def _month_dot(m: re.Match[str]) -> str:
    # A period after a full month name is sentence punctuation; after "Jan." it is part of
    # the abbreviation and kept only at the end of the sentence.
    if not m.group("mdot"):
        return ""
    if m.group("mon") in MONTHS or ends_sentence(m.string, m.end()):
        return "."
    return ""


@make_rule("iso date", r"(?<![\w.-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
def iso_date(m: re.Match[str], rec: Recorder) -> str | None:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    spoken = f"{MONTHS[mo - 1]} {ordinal(d)}, {year(y)}"
    rec.add(m.group(0), spoken, "date")
    return spoken


@make_rule("numeric date", r"(?<![\w./])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\w/]|\.\d)")
def numeric_date(m: re.Match[str], rec: Recorder) -> str | None:
    a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
    if a > 12 and 1 <= b <= 12:
        day, mo, unsure = a, b, False
    elif b > 12 and 1 <= a <= 12:
        day, mo, unsure = b, a, False
    elif 1 <= a <= 12 and 1 <= b <= 12:
        day, mo, unsure = a, b, a != b  # day/month is the British reading; could be US
    else:
        return None
    if not 1 <= day <= 31:
        return None
    full_year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 50 else 1900 + int(y))
    spoken = f"{MONTHS[mo - 1]} {ordinal(day)}, {year(full_year)}"
    rec.add(m.group(0), spoken, "date", attention=unsure or len(y) == 2)
    return spoken


@make_rule(
    "day month",
    rf"(?<![\w.,/-])(?P<d1>\d{{1,2}}){_ORD}(?:[ \t]?[-–][ \t]?(?P<d2>\d{{1,2}}){_ORD})?[ \t]+(?:of[ \t]+)?"
    rf"{_MONTH}(?:,?[ \t]+(?P<y>\d{{4}})(?!\d))?",
)
def day_month(m: re.Match[str], rec: Recorder) -> str | None:
    d1, d2 = int(m.group("d1")), int(m.group("d2") or 1)
    if not (1 <= d1 <= 31 and 1 <= d2 <= 31):
        return None
    # "on the 14th of July": the article is already there.
    the = "" if word_before(m.string, m.start()).lower() == "the" else "the "
    spoken = the + ordinal(d1)
    if m.group("d2"):
        spoken += f" to the {ordinal(d2)}"
    spoken += f" of {_month_name(m.group('mon'))}"
    if m.group("y"):
        spoken += f", {year(int(m.group('y')))}"
    rec.add(m.group(0), spoken, "date")
    # Without a year the match may end in "July." or "Jan." (see _month_dot).
    return spoken if m.group("y") else spoken + _month_dot(m)


@make_rule(
    "month day",
    rf"{_MONTH}[ \t]+(?P<d1>\d{{1,2}}){_ORD}(?:[ \t]?[-–][ \t]?(?P<d2>\d{{1,2}}){_ORD})?"
    rf"(?![\w%:]|[.,]\d)(?:,?[ \t]+(?P<y>\d{{4}})(?![\w]|[.,]\d))?",
)
def month_day(m: re.Match[str], rec: Recorder) -> str | None:
    d1, d2 = int(m.group("d1")), int(m.group("d2") or 1)
    if not (1 <= d1 <= 31 and 1 <= d2 <= 31):
        return None
    spoken = f"{_month_name(m.group('mon'))} {ordinal(d1)}"
    if m.group("d2"):
        spoken += f" to {ordinal(d2)}"
    if m.group("y"):
        spoken += f", {year(int(m.group('y')))}"
    rec.add(m.group(0), spoken, "date")
    return spoken


@make_rule("month year", rf"{_MONTH},?[ \t]+(?P<y>\d{{4}})(?![\w]|[.,]\d)")
def month_year(m: re.Match[str], rec: Recorder) -> str:
    spoken = f"{_month_name(m.group('mon'))} {year(int(m.group('y')))}"
    rec.add(m.group(0), spoken, "date")
    return spoken


_AMPM = r"(?:[ \t]?(?P<ap>[AaPp])\.?[ \t]?[Mm](?P<apdot>\.)?(?![A-Za-z]))"


def _ampm(m: re.Match[str]) -> str:
    ap = m.group("ap")
    if not ap:
        return ""
    # The period of "p.m." also ends the sentence when nothing follows.
    dot = "." if m.group("apdot") and ends_sentence(m.string, m.end()) else ""
    return f" {ap.lower()}{LETTER_JOINER}m{dot}"


@make_rule("time range", r"(?:(?<=[AaPp][Mm])|(?<=[AaPp]\.[Mm]))\.?[ \t]?[-–][ \t]?(?=\d{1,2}(?:[:.]\d{2})?[ \t]?[AaPp]\.?[Mm])")
def time_range(m: re.Match[str], rec: Recorder) -> str:
    """ "9am-5pm": the dash between two times is "to". """
    rec.add(m.group(0), "to", "range")
    return (". " if m.group(0).startswith(".") else " ") + "to "


def _time_words(h: int, mins: int, secs: int, ap: bool) -> str:
    if mins == 0:
        if ap:
            spoken = cardinal(h)
        elif h == 0:
            spoken = "midnight"
        elif h <= 12:
            spoken = f"{cardinal(h)} o'clock"
        else:
            spoken = f"{cardinal(h)} hundred"
    elif mins < 10:
        spoken = f"{cardinal(h)} oh {cardinal(mins)}"
    else:
        spoken = f"{cardinal(h)} {cardinal(mins)}"
    if secs:
        spoken += f" and {counted(secs, 'second', 'seconds')}"
    return spoken


def _duration(h: int, mins: int, secs: int) -> str:
    """ "2:01:09" -> "two hours, one minute and nine seconds" (a race or a film's length)."""
    parts = [counted(n, one, many) for n, one, many in
             ((h, "hour", "hours"), (mins, "minute", "minutes"), (secs, "second", "seconds")) if n]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


# A four-digit 24-hour time, "0600 hours", "1430 hrs": "oh six hundred hours". With a leading
# zero it is a time after "at", "by"...; without one only before "hours" (else "at 1430" may be
# a year), or after "at" in a sentence that speaks of hours, marked for review.
_MILITARY_AFTER = re.compile(r"[ \t]*(?:hours|hrs|hr|h|Zulu|GMT|UTC)\b")
_MILITARY_BEFORE = word_set("at by until till from to before after around since")
_HOURS_NEARBY = re.compile(r"\b(?:hours|hrs)\b")


@make_rule(
    "clock time",
    rf"(?<![\w:.,])(?:(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?(?![\d:]|[.,]\d){_AMPM}?"
    r"|(?P<mh>[01]\d|2[0-3])(?P<mm>[0-5]\d)(?![\w:]|[.,]\d)(?:[ \t]?(?P<hrs>hrs|hr)(?!\w))?)",
)
def clock_time(m: re.Match[str], rec: Recorder) -> str | None:
    if m.group("mh"):
        return _military_time(m, rec)
    h, mins, secs = int(m.group("h")), int(m.group("m")), int(m.group("s") or 0)
    if h > 24 or mins > 59 or secs > 59:
        return None  # not a time; the ratio rule reads it
    before = word_before(m.string, m.start()).lower()
    if m.group("s") and not m.group("ap") and before not in _MILITARY_BEFORE and (h or mins or secs):
        spoken = _duration(h, mins, secs)  # "ran 2:01:09"; "at 10:30:15" stays a clock time
        rec.add(m.group(0), spoken, "time")
        return spoken
    spoken = _time_words(h, mins, secs, bool(m.group("ap"))) + _ampm(m)
    rec.add(m.group(0), spoken, "time")
    return spoken


def _military_time(m: re.Match[str], rec: Recorder) -> str | None:
    text, hh, mm = m.string, m.group("mh"), int(m.group("mm"))
    before = word_before(text, m.start()).lower()
    hours_after = _MILITARY_AFTER.match(text, m.end()) is not None
    leading_zero = hh.startswith("0") and before in _MILITARY_BEFORE
    guess = before == "at" and not hours_after and bool(_HOURS_NEARBY.search(text))
    if not (hours_after or leading_zero or guess):
        return None
    head = ("zero" if mm == 0 else "zero zero") if hh == "00" else ("oh " if hh.startswith("0") else "") + cardinal(int(hh))
    if mm == 0:
        spoken = f"{head} hundred"
    else:
        spoken = f"{head} {'oh ' if mm < 10 else ''}{cardinal(mm)}"
    if m.group("hrs"):
        spoken += " hours"  # "2200 hrs"
    rec.add(m.group(0), spoken, "time", attention=guess)
    return spoken


# "at 4.30", "from 9.30 to 5.30": a dotted time without am or pm, after these words only.
DOTTED_TIME_BEFORE = word_set("at by until till from before after around past")
_FROM_TIME_TO = re.compile(r"\bfrom[ \t]+\d{1,2}[.:]\d{2}(?:[ \t]?[AaPp]\.?[Mm]\.?)?[ \t]*(?:to|until|till)[ \t]+$")
# ...and not before these ("at 4.50 per share", "at 2.50 each", "at 3.25 times", "at 12.75 degrees").
_NOT_TIME_AFTER = re.compile(
    r"[ \t]*(?:%|per\b|each\b|a\b|an\b|times\b|percent\b|points?\b|degrees?\b|x\b|p\b|(?:"
    + "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)) + r")(?!\w))"
)


@make_rule("dotted time", rf"(?<![\w:.,£$€¥₹])(?P<h>\d{{1,2}})\.(?P<m>\d{{2}})(?![\d]|[.,]\d){_AMPM}?")
def dotted_time(m: re.Match[str], rec: Recorder) -> str | None:
    """ British "3.30pm": a time with am or pm after it; without them only after "at", "by",
    "from" ... ("at 4.30"), marked for review, since "at 4.50 per share" is a price."""
    h, mins, ap = int(m.group("h")), int(m.group("m")), m.group("ap")
    if mins > 59 or h > (12 if ap else 23) or (ap and h == 0):
        return None
    if ap:
        spoken = _time_words(h, mins, 0, True) + _ampm(m)
        rec.add(m.group(0), spoken, "time")
        return spoken
    text = m.string
    before = word_before(text, m.start()).lower()
    after_from = _FROM_TIME_TO.search(text, max(0, m.start() - 30), m.start())
    if not (before in DOTTED_TIME_BEFORE or after_from) or _NOT_TIME_AFTER.match(text, m.end()):
        return None
    spoken = _time_words(h, mins, 0, False)
    rec.add(m.group(0), spoken, "time", attention=True)
    return spoken


@make_rule("hour am/pm", rf"(?<![\w:.,])(?P<h>\d{{1,2}}){_AMPM}")
def hour_ampm(m: re.Match[str], rec: Recorder) -> str | None:
    h = int(m.group("h"))
    if not 1 <= h <= 12:
        return None
    spoken = cardinal(h) + _ampm(m)
    rec.add(m.group(0), spoken, "time")
    return spoken


@make_rule("year span", r"(?<![\w./])(?P<y>\d{4})/(?P<yy>\d{2}|\d{4})(?![\w/]|[.,]\d)")
def year_span(m: re.Match[str], rec: Recorder) -> str | None:
    """ A season or a financial year, 2024/25 or 1999/2000: "twenty twenty-four to twenty-five". """
    y, yy = int(m.group("y")), int(m.group("yy"))
    if len(m.group("yy")) == 4:
        if not (is_year(y) and yy == y + 1):
            return None
        spoken = f"{year(y)} to {year(yy)}"
        rec.add(m.group(0), spoken, "year")
        return spoken
    if not (is_year(y) and yy == (y + 1) % 100):
        return None
    second = year(y + 1) if yy == 0 else cardinal(yy) if yy >= 10 else "oh " + cardinal(yy)
    spoken = f"{year(y)} to {second}"
    rec.add(m.group(0), spoken, "year")
    return spoken


@make_rule("decade range", r"(?<![\w.])(?P<a>\d{3}0)s[ \t]?[-–][ \t]?['’]?(?P<b>\d{3}0|\d0)s(?![\w])")
def decade_range(m: re.Match[str], rec: Recorder) -> str | None:
    """ "the 1850s-1860s", "the 1980s-90s": "the eighteen fifties to eighteen sixties". """
    a, b = int(m.group("a")), int(m.group("b"))
    if b < 100:
        b += a // 100 * 100
    if not (is_year(a) and is_year(b) and a < b):
        return None
    spoken = f"{plural(year(a))} to {plural(year(b))}"
    rec.add(m.group(0), spoken, "decade")
    return spoken


@make_rule("decade", r"(?<![\w.])(?:(?P<ap>['’‘])(?P<yy>\d{2})|(?P<n>\d+))['’]?s(?![\w])")
def decade(m: re.Match[str], rec: Recorder) -> str:
    if m.group("yy"):
        yy = int(m.group("yy"))
        # '00s: the first decade of this century; '90s: the nineties.
        spoken, rule = plural(year(2000) if yy == 0 else cardinal(yy)), "decade"
    else:
        n = int(m.group("n"))
        if len(m.group("n")) == 4 and 1000 <= n <= 2099 and n % 10 == 0:
            spoken, rule = plural(year(n)), "decade"
        else:
            words = whole_number(m.group("n"))
            if n >= 100 and words.startswith("one ") and words.count(" ") == 1:
                words = words[4:]  # "100s of people": hundreds, not "one hundreds"
            spoken, rule = plural(words), "decade" if n % 10 == 0 and n < 100 else "cardinal"
    rec.add(m.group(0), spoken, rule)
    return spoken


@make_rule("short year", r"(?<![\w'’‘])['’‘](?P<yy>\d{2})(?![\w'’]|[.,]\d)")
def short_year(m: re.Match[str], rec: Recorder) -> str:
    yy = int(m.group("yy"))
    spoken = f"oh {cardinal(yy)}" if yy < 10 else cardinal(yy)
    rec.add(m.group(0), spoken, "year")
    return spoken


_ERA_AFTER = re.compile(r"[ \t]*(?:AD|BC|BCE|CE|A\.D\.|B\.C\.|A-D|B-C|B-C-E|C-E)(?![\w])")


@make_rule("year", r"(?<![\w.,:/$£€¥₹])(?P<y>\d{4})(?![\w]|[.,:/]\d)")
def year_number(m: re.Match[str], rec: Recorder) -> str | None:
    n = int(m.group("y"))
    text, start = m.string, m.start()
    if text[start - 1 : start] == "-" and not text[start - 2 : start - 1].isalpha():
        return None  # a negative number, not a year ("mid-1990" is still one)
    before = word_before(text, start)
    after = word_after(text, m.end())
    strong = before.lower() in YEAR_BEFORE or before in MONTHS or _ERA_AFTER.match(text, m.end()) is not None
    if not (1100 <= n <= 2099 or (strong and 1000 <= n <= 1099 and not is_plural_noun(after))):
        return None  # a plain number; the cardinal rule reads it
    if strong or before.lower() in ("a", "an"):
        spoken, rule, attention = year(n), "year", False
    elif before.lower() in COUNT_BEFORE or is_plural_noun(after):
        spoken, rule, attention = whole_number(m.group("y")), "cardinal", True
    else:
        spoken, rule, attention = year(n), "year", True
    rec.add(m.group(0), spoken, rule, attention)
    return spoken
