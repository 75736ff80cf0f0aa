"""English words the language-neutral stages need: where a period does not end a sentence
(:mod:`audioessay.text.sentences`), the titles of a sources section (:mod:`audioessay.text.clean`),
how an e-mail address and a few signs are said, and how a sentence reads once a URL is taken
out of it (:mod:`audioessay.text.speak`).
"""

from __future__ import annotations

from audioessay.text.en.abbreviations import BEFORE_NUMBER
from audioessay.text.en.context import word_set
from audioessay.text.lang_base import LinkWords

# Sentence splitting: abbreviations that never end a sentence, and ones that end it only
# when the next word is a usual sentence opener ("... etc. The next day").
NEVER_SENTENCE_END = word_set(
    "Mr Mrs Ms Mx Dr Prof Rev Hon Gen Col Capt Lt Sgt Gov Sen Rep Pres Fr Mt Ft "
    "e.g i.e vs v cf viz approx ca a.k.a incl esp E.g I.e Vs Cf Approx"
)
BEFORE_NUMBER_STEMS = frozenset(k.rstrip(".") for k in BEFORE_NUMBER) | {"approx", "Approx", "No", "no"}
SENTENCE_STARTERS = word_set(
    "The A An This That These Those It Its He She They We I You There Then But And So Yet Or "
    "In On At As After Before When While If Although Though However Meanwhile My His Her Our "
    "Their Your What Why How Who Where Which One Some Many Most All Each Every No Not Now "
    "Today Still Also Even For From By With Without To Of Here Once Later Soon Finally "
    "Because Since Until Unlike Like Instead Thus Therefore Indeed Perhaps Maybe Yes Please "
    "Let Did Do Does Is Was Are Were Can Could Will Would Should Must Have Has Had"
)
# Abbreviations that usually sit mid-sentence but can end one.
MAY_END_SENTENCE = frozenset(
    ["etc", "Etc", "Inc", "Ltd", "Co", "Corp", "Jr", "Sr", "al", "St", "Bros"]
    + ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
)

# Heading texts (case-insensitive, optional colon) that start the show notes.
NOTES_TITLES = frozenset({
    "sources", "source", "references", "further reading", "bibliography", "notes", "links",
    "works cited", "footnotes", "citations",
})

# An e-mail address is said piece by piece: "jo.doe@example.com" -> "jo dot doe at example dot com".
EMAIL_WORDS = {".": "dot", "@": "at", "_": "underscore", "-": "dash", "+": "plus"}
# "№ 5" is written out before the rules run, so the abbreviation rule says "number five".
NUMERO = "No. "
# Units that take a superscript (km², m³, m/s²): after a number and one of these, a ² or ³ makes
# the unit ("5 km²" -> "5 km2", said by the unit rule), and after one alone it is a power, not a
# footnote ("per m²").
SUPERSCRIPT_UNITS = ("km", "cm", "mm", "m", "ft", "mi", "m/s")

# A URL taken out of a sentence leaves a sentence that still reads (see speak.py): words that
# need the link as their object ("visit <url>" -> "visit the link in the show notes"), words
# that place it ("at <url>." -> "in the show notes."), and words that only introduce it inside
# brackets ("(see <url>)" -> nothing). Longer phrases win over shorter ones.
LINK_WORDS = LinkWords(
    object_words=(
        "visit", "see", "see also", "go to", "head to", "head over to", "navigate to", "read",
        "check out", "check", "look at", "download from", "download it from", "download them from",
        "from", "follow", "open", "try", "via", "bookmark", "browse", "watch", "listen to",
    ),
    place_words=("at", "over at", "online at", "on", "on the web at"),
    here_words=("here", "right here", "over here"),
    fillers=(
        "see", "see also", "via", "source", "sources", "link", "links", "from", "at", "more at",
        "online at", "available at", "url", "cf.", "cf", "e.g.", "more", "more info", "details",
        "full text", "archived", "archive", "pdf", "video", "audio",
    ),
    in_notes="in the show notes",
    the_link="the link in the show notes",
)
