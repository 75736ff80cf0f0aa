"""English: the words and rules that turn written English into what espeak-ng should say.

Conventions (chosen once, so the narration is consistent):

* Numbers are said without "and" or pauses: 1,205 -> "one thousand two hundred five",
  2005 -> "two thousand five" (num2words writes the British "and"; we drop it).
* Decimals are read digit by digit after "point": 2.50 -> "two point five zero".
* Years: 1939 -> "nineteen thirty-nine", 1905 -> "nineteen oh five", 1900 -> "nineteen hundred".
* Units use British spelling (kilometre, metre, litre, tonne), matching espeak-ng's default
  British English voice; singular only for exactly 1 ("1 km" -> "one kilometre").
* Letters are joined with hyphens: AI -> "A-I", BBC -> "B-B-C", AIs -> "A-I's" (below),
  a.m. -> "a-m". espeak-ng reads a lone "A" followed by another word as the article "uh",
  so "A I" would be said "uh eye"; "A-I" is said "ay eye". Change ``spoken.LETTER_JOINER`` to
  alter this everywhere. An A *inside* the letters ("F-A-Q") is still "uh" to espeak-ng: the
  espeak engines are handed "F-eh-Q" (voice.engine.engine_text), while the script keeps "F-A-Q".
* Plurals and possessives keep the letters and take an apostrophe: "AIs", "AI's" -> "A-I's",
  "CEOs'" -> "C-E-O's'". It is the only spelling on which espeak-ng says the letters and then
  /z/ or /s/ ("A-Is" is "ay iz", "C-E-Os" "see ee oh ess"). An acronym said as a word takes a
  capital only, "NASA's" -> "Nasa's", "LEGOs" -> "Legos": in capitals espeak-ng drops the ending.
* Powers: "x²" -> "x squared", "x³" -> "x cubed", "mc²" -> "m c squared", "10⁻³" -> "ten to
  the power of minus three"; "5 m²" and "30 sq m" -> "five square metres", "thirty square metres".
* Currency: "$3.50" -> "three dollars and fifty cents", "€5m" -> "five million euros".
* Dates: "14 July 2024" -> "the fourteenth of July, twenty twenty-four";
  "July 14, 2024" and "2025-03-14" -> "July fourteenth, twenty twenty-four" style.

Layout: one module per rule family (:mod:`.numbers`, :mod:`.dates`, :mod:`.money_units`,
:mod:`.abbreviations`, :mod:`.letters`), shared number words in :mod:`.spoken`, shared context
helpers in :mod:`.context`, and the words the language-neutral stages need in :mod:`.prose`.
A rule runs only if :data:`RULES` lists it, in that order.
"""

from __future__ import annotations

from audioessay.text.en import abbreviations, dates, letters, money_units, numbers, prose
from audioessay.text.en.spoken import number
from audioessay.text.lang_base import Language, SentenceWords, TextRule

# The English rules, in the order they run. The order matters: an earlier rule rewrites the
# text a later one sees, so a more specific pattern must come before a more general one.
RULES: tuple[TextRule, ...] = (
    # Telephone numbers before dates and ranges ("212-555-1234" is not a range).
    numbers.telephone_number,
    # Dates and times, which own "Jan." and "p.m.", before the abbreviations.
    dates.iso_date,
    dates.numeric_date,
    dates.day_month,
    dates.month_day,
    dates.month_year,
    dates.time_range,
    dates.clock_time,
    dates.dotted_time,
    dates.hour_ampm,
    numbers.ratio,  # "3:2", after the clock times ("9:30")
    # Abbreviations before the number rules, so "No. 5" becomes "number 5", then "number five".
    abbreviations.abbreviation,
    letters.dotted_initialism,
    letters.initials,
    abbreviations.unknown_abbreviation,
    letters.symbol_before_number,
    letters.number_sign,
    # Money and units before plain numbers and ranges.
    money_units.currency_code,
    money_units.hours_and_minutes,
    money_units.feet_and_inches,
    money_units.feet,
    money_units.dimensions,
    money_units.multiplier,
    dates.year_span,  # "2024/25" before fractions
    money_units.currency_amount,
    money_units.percent,
    money_units.measurement,
    dates.decade_range,
    money_units.pence,
    dates.decade,
    dates.short_year,
    numbers.ordinal_range,
    numbers.ordinal_number,
    numbers.fraction_number,
    numbers.number_range,
    dates.year_number,
    # What is left of the digits: plain numbers, then digits glued to letters ("MP3").
    numbers.cardinal_number,
    numbers.glued_number,
    # Letters: Roman numerals before initialisms (both are capitals).
    numbers.roman_numeral,
    letters.initialism,
    letters.symbol,
    letters.hashtag,
    letters.slash,
)

LANGUAGE = Language(
    code="en",
    name="English",
    rules=RULES,
    number=number,
    link_word="link",
    note_word="note",
    sentence_words=SentenceWords(
        never_end=prose.NEVER_SENTENCE_END,
        before_number=prose.BEFORE_NUMBER_STEMS,
        may_end=prose.MAY_END_SENTENCE,
        starters=prose.SENTENCE_STARTERS,
    ),
    notes_titles=prose.NOTES_TITLES,
    email_words=prose.EMAIL_WORDS,
    numero=prose.NUMERO,
    superscript_units=prose.SUPERSCRIPT_UNITS,
    link_words=prose.LINK_WORDS,
)
