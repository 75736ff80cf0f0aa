"""Many short essays (2-3 sentences each) generated from templates with a seeded RNG.

Every essay has its own title (so its own slug) and its own sentences; the same seed always
gives the same essays, so two workspaces made with the same seed hold the same text.
"""

from __future__ import annotations

import random
from pathlib import Path

PEOPLE = [
    "the harbour master", "a retired teacher", "my grandmother", "the night porter", "a young surveyor",
    "the baker on Mill Street", "an old ferryman", "the village librarian", "a visiting botanist",
    "the station clerk", "a travelling salesman", "the parish archivist", "a lighthouse keeper",
    "the school caretaker", "a stubborn beekeeper", "the museum guard", "a cautious cartographer",
    "the first violinist", "a lorry driver from the north", "the woman who runs the bookshop",
]
PLACES = [
    "the old quarry", "the canal towpath", "a hill above the town", "the covered market", "the tidal island",
    "the railway bridge", "an empty chapel", "the allotments", "the ferry landing", "the public baths",
    "the orchard behind the school", "the salt marsh", "the clock tower", "a roadside cafe",
    "the reading room", "the fish quay", "the abandoned cinema", "the observatory", "the river meadow",
]
TIMES = [
    "on a wet Tuesday in March", "just before dawn", "in the winter of 1962", "every Sunday for 30 years",
    "during the long summer of 1976", "late one October evening", "on the 3rd of May", "at half past six",
    "in the spring of 2009", "after the great flood of 1953", "on the shortest day of the year",
    "for 12 weeks in a row", "in the autumn of 1987", "one foggy morning", "at the turn of the century",
]
ACTIONS = [
    "counted {n} boats leaving", "planted {n} apple trees near", "found a box of {n} letters at",
    "walked {n} miles to reach", "kept a diary of the birds at", "painted {n} small pictures of",
    "measured the tide each day at", "mended {n} broken chairs in", "recorded the weather at",
    "taught {n} children to swim near", "collected {n} old photographs of", "listened to the bells at",
    "wrote {n} pages about", "repaired the roof of", "swept the steps of",
]
REFLECTIONS = [
    "Nobody asked why, and that was the point.", "It seemed a small thing at the time.",
    "Looking back, it was the most useful work of a long life.",
    "The town has changed since then, but the habit has not.",
    "Some of the notes survive, in a shoebox, in a cupboard, in a house by the sea.",
    "It is the kind of patience that rarely makes the newspapers.",
    "Small routines, kept long enough, become a kind of history.",
    "There is a lesson in that, though it is hard to say exactly what it is.",
    "Most people walked past without noticing anything at all.",
    "The records show a rise of {p}% over the decade, which surprised everyone.",
    "By {y}, the numbers had doubled, and then quietly fallen again.",
    "It cost about {c} pounds, which was a great deal of money then.",
    "Even now, on clear nights, you can see why it mattered.",
    "A neighbour still remembers the sound of it, {n} years later.",
]
TITLE_A = ["Notes on", "A Short History of", "In Praise of", "Remembering", "The Quiet Life of",
           "Letters from", "Small Hours at", "What We Learned at", "Thinking About", "Walking to"]
TITLE_B = ["Tides", "Orchards", "Bells", "Bridges", "Ferries", "Archives", "Weather", "Maps", "Gardens",
           "Harbours", "Chapels", "Markets", "Lamps", "Kitchens", "Railways", "Rivers", "Islands", "Roofs"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(n=rng.randint(2, 480), p=rng.randint(3, 95), y=rng.randint(1901, 2021),
                           c=rng.randint(12, 9000))


def short_essay(index: int, rng: random.Random) -> tuple[str, str]:
    """(file name, text) of essay number ``index``."""
    title = f"{rng.choice(TITLE_A)} {rng.choice(TITLE_B)}, Part {index + 1}"
    person, place, time = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(TIMES)
    first = f"{time[0].upper()}{time[1:]}, {person} {_fill(rng.choice(ACTIONS), rng)} {place}."
    second = _fill(rng.choice(REFLECTIONS), rng)
    sentences = [first, second]
    if rng.random() < 0.5:
        third = rng.choice([r for r in REFLECTIONS if r != second])
        sentences.append(_fill(third, rng))
    day = 1 + index % 28
    text = (f"---\ntitle: \"{title}\"\nauthor: Bench Writer\ndate: 2024-{1 + index % 12:02d}-{day:02d}\n---\n"
            + " ".join(sentences) + "\n")
    return f"short-{index + 1:04d}.md", text


def write_short_essays(seeds: Path, count: int, seed: int = 20240611, start: int = 0) -> list[Path]:
    """Write essays ``start`` .. ``count - 1`` of the seeded sequence into ``seeds``."""
    rng = random.Random(seed)
    seeds.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        name, text = short_essay(index, rng)  # always advance the RNG, so essay i is the same in every run
        if index >= start:
            path = seeds / name
            path.write_text(text, encoding="utf-8")
            paths.append(path)
    return paths
