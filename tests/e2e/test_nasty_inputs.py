"""Bad input never stops the batch: every file in tests/corpus/nasty/ (and the big ones generated
here) either becomes a correct episode or fails alone with one line naming the file and what to do.

Everything runs through the installed ``audioessay`` command; any "Traceback" fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import REPO, TESTS, make_workspace, run_cli

from audioessay.errors import EssayError
from audioessay.text import read as read_module
from audioessay.text.read import read_essay

NASTY = TESTS / "corpus" / "nasty"
GOOD = "notes-on-walking.txt"  # a seed from the repository, rendered alongside the corpus


@dataclass(frozen=True)
class Made:
    """The file becomes an episode with this slug and title, and its script says ``says``."""

    slug: str
    title: str
    says: str = "Walking slowly is underrated."


@dataclass(frozen=True)
class Refused:
    """The file fails alone; the one-line error contains ``reason``."""

    reason: str


LONG_TITLE = ("Verylongtitleword " * 16).strip() + "…"  # 5,000 characters, cut at a word to 300 at most
EXPECTED: dict[str, Made | Refused] = {
    "empty.md": Refused("is empty"),
    "whitespace-only.txt": Refused("is empty (only whitespace)"),
    "binary-garbage.txt": Refused("not text"),
    "binary-garbage-no-nul.txt": Refused("not text"),
    "png-renamed.txt": Refused("is a PNG image, not text"),
    "nul-bytes.md": Refused("contains NUL bytes"),
    "front-matter-invalid-yaml.md": Refused("front matter is not valid YAML on line 2"),
    "front-matter-wrong-types.md": Refused("front matter 'rate' must be a whole number, not 'fast'"),
    "cp1252-smart-quotes.txt": Made("cp1252-smart-quotes", "Smart Quotes \u2013 and Dashes",
                                    "\u201cQuoted,\u201d she said \u2014 it\u2019s the nineteen nineties"),
    "utf16-bom.txt": Made("utf16-bom", "UTF-16 Essay", "Cr\u00e8me br\u00fbl\u00e9e is a dessert."),
    "utf8-bom-crlf.md": Made("utf8-bom-crlf", "BOM and CRLF"),
    "mixed-line-endings.md": Made("mixed-line-endings", "Mixed line endings", "And a bare C-R paragraph."),
    "front-matter-slug-traversal.md": Made("etc-x", "Traversal"),
    "front-matter-long-title.md": Made("front-matter-long-title", LONG_TITLE),
    "title-xml-specials.md": Made("title-xml-specials",
                                  "Tom & Jerry <b>not bold</b> \"quoted\" and 'single'"),
    "title-rtl.md": Made("title-rtl", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd and "
                                      "\u0645\u0631\u062d\u0628\u0627"),
    "title-emoji.md": Made("title-emoji", "Rocket \U0001F680 science \U0001F469\u200d\U0001F52C"),
    "title-combining.md": Made("title-combining", "Caf\u00e9 Zo\u00eb and Ni\u00f1o"),  # composed (NFC)
    "title-dash-rf.md": Made("title-dash-rf", "-rf --help", "-v starts this paragraph."),
    "same-title-a.md": Made("the-same-title", "The Same Title"),
    "same-title-b.md": Made("the-same-title-2", "The Same Title", "Walking quickly is underrated."),
}
ESSAY_FILES = sorted(EXPECTED)
MADE = {name: e for name, e in EXPECTED.items() if isinstance(e, Made)}
REFUSED = {name: e for name, e in EXPECTED.items() if isinstance(e, Refused)}


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


def assert_one_line_error(message: str, names: str) -> None:
    """One line that names the file and ends with what to do, in parentheses."""
    assert "\n" not in message and names in message, message
    assert message.rstrip().endswith(")") and " (" in message, f"no advice in: {message}"


@dataclass
class Batch:
    ws: Path
    report: dict[str, Any]  # render --json
    exit_code: int
    again: subprocess.CompletedProcess[str]  # a second render, plain text
    feed: Any  # feedparser's view of feeds/feed.xml

    def episode(self, slug: str) -> dict[str, Any]:
        return next(e for e in self.report["episodes"] if e["slug"] == slug)

    def entry(self, slug: str) -> Any:
        return next(e for e in self.feed.entries if e.enclosures[0]["href"].endswith(f"/{slug}/{slug}.mp3"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """The whole corpus and one good essay rendered at once by the installed command."""
    ws = make_workspace(tmp_path_factory.mktemp("nasty") / "ws", [GOOD])
    for name in ESSAY_FILES:
        shutil.copyfile(NASTY / name, ws / "seeds" / name)
    first = run_cli(["render", "--json"], cwd=ws)
    no_traceback(first)
    again = run_cli(["render"], cwd=ws)
    no_traceback(again)
    feed = feedparser.parse(str(ws / "feeds" / "feed.xml"))
    return Batch(ws, json.loads(first.stdout), first.returncode, again, feed)


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {p.name for p in NASTY.iterdir() if p.is_file() and p.suffix in (".md", ".txt")}
    assert on_disk == set(EXPECTED)


def test_the_batch_goes_on_past_every_bad_essay_and_exits_1(batch: Batch) -> None:
    assert batch.exit_code == 1
    failed = {Path(e["source"]).name for e in batch.report["errors"]}
    assert failed == set(REFUSED)
    made = {e["slug"] for e in batch.report["episodes"]}
    assert made == {m.slug for m in MADE.values()} | {"notes-on-walking"}
    summary = batch.report["summary"]
    assert summary["made"] == len(MADE) + 1 and summary["up_to_date"] == 0
    assert summary["failed"] == len(REFUSED)
    assert sorted(summary["failed_sources"]) == sorted(f"seeds/{name}" for name in REFUSED)
    assert summary["takes_narrated"] + summary["takes_from_cache"] > 0


def test_the_feed_lists_every_good_episode_with_its_exact_size(batch: Batch) -> None:
    assert not batch.feed.bozo, batch.feed.get("bozo_exception")
    assert len(batch.feed.entries) == len(MADE) + 1
    for entry in batch.feed.entries:
        slug = entry.enclosures[0]["href"].rsplit("/", 2)[-2]
        audio = batch.ws / "output" / slug / f"{slug}.mp3"
        assert int(entry.enclosures[0]["length"]) == audio.stat().st_size


def test_the_summary_of_a_rerun_names_the_failures(batch: Batch) -> None:
    assert batch.again.returncode == 1
    lines = batch.again.stderr.strip().splitlines()
    summary = lines[-1]
    assert summary.startswith(f"summary: 0 made, {len(MADE) + 1} up to date, {len(REFUSED)} failed (")
    assert all(f"seeds/{name}" in summary for name in REFUSED) and "feed: feeds/feed.xml" in summary
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == len(REFUSED)
    for name in REFUSED:
        assert any(line.startswith(f"error: seeds/{name}: ") for line in errors)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_file_fails_alone_in_one_line(batch: Batch, name: str) -> None:
    error = next(e for e in batch.report["errors"] if e["source"] == f"seeds/{name}")
    assert_one_line_error(error["message"], f"seeds/{name}")
    assert REFUSED[name].reason in error["message"]


@pytest.mark.parametrize("name", sorted(MADE))
def test_made_file_is_a_correct_episode(batch: Batch, name: str) -> None:
    expected = MADE[name]
    episode = batch.episode(expected.slug)
    assert episode["title"] == expected.title and episode["source"] == f"seeds/{name}"
    audio = batch.ws / episode["audio"]
    assert audio.resolve().parent == (batch.ws / "output" / expected.slug).resolve()
    assert audio.is_file() and episode["duration"] > 5
    script = (batch.ws / episode["script"]).read_text(encoding="utf-8")
    assert expected.says in script
    entry = batch.entry(expected.slug)
    assert entry.title == expected.title  # feedparser shows exactly what the essay says
    assert unicodedata.is_normalized("NFC", entry.title)


def test_a_slug_that_climbs_out_of_output_stays_inside(batch: Batch) -> None:
    root = batch.ws.parent
    outside = [p for p in root.rglob("*") if not p.resolve().is_relative_to(batch.ws.resolve())]
    assert outside == []
    assert (batch.ws / "output" / "etc-x" / "etc-x.mp3").is_file()


def test_a_5000_character_title_is_cut_to_300(batch: Batch) -> None:
    source = (NASTY / "front-matter-long-title.md").read_text(encoding="utf-8")
    assert len(source.split("\n")[1]) > 5000
    title = batch.episode("front-matter-long-title")["title"]
    assert len(title) <= 300 and title.endswith("…")


def test_two_essays_with_one_title_are_two_episodes(batch: Batch) -> None:
    first, second = batch.entry("the-same-title"), batch.entry("the-same-title-2")
    assert first.title == second.title == "The Same Title"
    assert first.id != second.id
    ledger = json.loads((batch.ws / "episodes.json").read_text(encoding="utf-8"))["episodes"]
    assert ledger["the-same-title"]["guid"] != ledger["the-same-title-2"]["guid"]
    assert {ledger[s]["source"] for s in ("the-same-title", "the-same-title-2")} == {
        "seeds/same-title-a.md", "seeds/same-title-b.md"}


def test_xml_special_characters_are_escaped_in_the_feed(batch: Batch) -> None:
    raw = (batch.ws / "feeds" / "feed.xml").read_text(encoding="utf-8")
    assert "<title>Tom &amp; Jerry &lt;b&gt;not bold&lt;/b&gt;" in raw
    check = run_cli(["check"], cwd=batch.ws)
    no_traceback(check)
    assert check.returncode == 0, check.stdout


# --------------------------------------------------------------------------- generated inputs


def test_a_50_mb_file_is_refused_by_its_size_without_being_read(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    huge = tmp_path / "ws" / "seeds" / "huge.txt"
    make_workspace(tmp_path / "ws", [GOOD])
    with open(huge, "wb") as handle:
        handle.write(b"All work and no play makes a very long essay. " * (50 * 1024 * 1024 // 46 + 1))
    assert huge.stat().st_size >= 50 * 1024 * 1024

    def no_open(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(read_module, "open", no_open, raising=False)
    with pytest.raises(EssayError, match=r"more than the limit of 2,000,000 bytes") as caught:
        read_essay(huge, tmp_path / "ws")
    assert "text.max_bytes" in str(caught.value)
    monkeypatch.undo()

    started = time.monotonic()
    result = run_cli(["script", "--json"], cwd=tmp_path / "ws")
    assert time.monotonic() - started < 30
    no_traceback(result)
    assert result.returncode == 1
    (error,) = json.loads(result.stdout)["errors"]
    assert error["source"] == "seeds/huge.txt"
    assert_one_line_error(error["message"], "seeds/huge.txt")
    assert (tmp_path / "ws" / "output" / "notes-on-walking" / "script.txt").is_file()


def test_a_20000_character_sentence_without_punctuation_renders(tmp_path: Path) -> None:
    words = ["the", "river", "carries", "small", "stones", "past", "the", "quiet", "town", "where", "nobody",
             "hurries"]
    sentence = " ".join(words[i % len(words)] for i in range(4000))[:20000].rstrip()
    assert len(sentence) > 19_900 and not any(mark in sentence for mark in ".,;:!?")
    ws = make_workspace(tmp_path / "ws", [])
    essay = ws / "seeds" / "one-long-sentence.txt"
    essay.write_text(f"One Long Sentence\n\n{sentence}\n", encoding="utf-8")
    # pyttsx3, the default engine, crashes on about 13,500 characters at once: the engine splits.
    result = run_cli(["render", "--rate", "400", "--json"], cwd=ws, timeout=900)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    (episode,) = json.loads(result.stdout)["episodes"]
    assert sentence in (ws / episode["script"]).read_text(encoding="utf-8")  # one line of the script
    assert episode["duration"] > 0.6 * 3300 * 60 / 400  # ~3,300 words at 400 a minute: none lost


@pytest.mark.parametrize(("name", "line", "problem"), [
    ("unknown-marker.txt", 14, "unknown marker '[music: loud fanfare]'"),
    ("broken-header.txt", 6, "header line 'status draft' is not 'key: value'"),
])
def test_a_script_edited_into_nonsense_fails_that_essay_with_file_and_line(tmp_path: Path, name: str,
                                                                           line: int, problem: str) -> None:
    ws = make_workspace(tmp_path / "ws", [GOOD, "radio-drama-at-midnight.md"])
    run_cli(["script"], cwd=ws, check=True)
    script = ws / "output" / "notes-on-walking" / "script.txt"
    shutil.copyfile(NASTY / "scripts" / name, script)
    result = run_cli(["render"], cwd=ws)
    no_traceback(result)
    assert result.returncode == 1
    (error,) = [text for text in result.stderr.splitlines() if text.startswith("error: ")]
    assert f"output/notes-on-walking/script.txt: line {line}: {problem}" in error
    assert_one_line_error(error, "seeds/notes-on-walking.txt")
    assert script.read_bytes() == (NASTY / "scripts" / name).read_bytes()  # never overwritten
    assert (ws / "output" / "radio-drama-at-midnight" / "radio-drama-at-midnight.mp3").is_file()
    assert "radio-drama-at-midnight.mp3" in (ws / "feeds" / "feed.xml").read_text(encoding="utf-8")
    # The command the message suggests works: it regenerates the script and keeps a backup.
    fixed = run_cli(["script", "--force", "output/notes-on-walking/script.txt"], cwd=ws)
    assert fixed.returncode == 0, fixed.stderr
    assert len(list(script.parent.glob("script.txt.bak-*"))) == 1
    assert run_cli(["render"], cwd=ws).returncode == 0


@pytest.mark.parametrize(("name", "key", "named_file"), [
    ("typo-key.toml", "unknown key 'voice.rat'", None),
    ("wrong-type.toml", "'audio.bitrate' must be a whole number", None),
    ("missing-intro.toml", "audio.intro", "audio/no-such-intro.mp3"),
    ("missing-cover.toml", "show.cover", "art/no-such-cover.jpg"),
])
def test_a_bad_config_is_one_line_naming_key_and_file(tmp_path: Path, name: str, key: str,
                                                      named_file: str | None) -> None:
    config = (NASTY / "config" / name).read_text(encoding="utf-8")
    ws = make_workspace(tmp_path / "ws", [GOOD], config=config)
    result = run_cli(["render"], cwd=ws)
    no_traceback(result)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert key in lines[0] and "audioessay.toml" in lines[0]
    if named_file:
        assert named_file in lines[0]
    assert_one_line_error(lines[0], "audioessay.toml")


def test_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [GOOD, "radio-drama-at-midnight.md"])
    for name in ("empty.md", "png-renamed.txt"):
        shutil.copyfile(NASTY / name, ws / "seeds" / name)
    for command in ("script", "render"):
        result = run_cli([command, "--fail-fast", "--json"], cwd=ws)
        no_traceback(result)
        assert result.returncode == 1
        report = json.loads(result.stdout)
        assert [e["source"] for e in report["errors"]] == ["seeds/empty.md"]
        assert report["episodes"] == []
    assert not list((ws / "output").glob("*/*.mp3"))
    assert not list((ws / ".audioessay").glob("cache/takes/*/*"))  # nothing was narrated
    plain = run_cli(["render", "--fail-fast"], cwd=ws)
    assert plain.returncode == 1 and "the feed was not rewritten" in plain.stderr.splitlines()[-1]


def test_a_title_that_looks_like_options_renders_with_the_espeak_ng_command(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [])
    shutil.copyfile(NASTY / "title-dash-rf.md", ws / "seeds" / "title-dash-rf.md")
    trap = tmp_path / "written-by-an-option.wav"
    title = f"--version -w {trap}"
    (ws / "seeds" / "--help.md").write_text(f"---\ntitle: \"{title}\"\n---\n\n-q is not quiet. -w either.\n",
                                            encoding="utf-8")
    result = run_cli(["render", "--engine", "espeak-ng", "--json"], cwd=ws)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    titles = {e["slug"]: e["title"] for e in json.loads(result.stdout)["episodes"]}
    assert titles == {"title-dash-rf": "-rf --help", "help": title}
    assert not trap.exists()  # the text was spoken, never taken for espeak-ng's -w option
    feed = feedparser.parse(str(ws / "feeds" / "feed.xml"))
    assert sorted(e.title for e in feed.entries) == sorted([title, "-rf --help"])


# --------------------------------------------------------------------------- the code itself


def test_no_shell_and_only_safe_yaml_anywhere_in_the_source() -> None:
    """Text never reaches a shell, and front matter can never build Python objects."""
    for path in sorted((REPO / "src" / "audioessay").rglob("*.py")):
        code = path.read_text(encoding="utf-8")
        for forbidden in ("shell=True", "os.system(", "os.popen(", "yaml.load(", "yaml.unsafe_load",
                          "yaml.full_load", "Loader=", "yaml.Loader", "FullLoader", "UnsafeLoader"):
            assert forbidden not in code, f"{path.relative_to(REPO)} uses {forbidden}"
        for use in code.split("yaml.")[1:]:
            # The front matter loader is a yaml.SafeLoader subclass (it refuses aliases and keeps
            # impossible dates as text): still only plain data, never a Python object.
            allowed = ("safe_load(", "safe_load`", "YAMLError", "safe_dump(", "SafeLoader", "AliasEvent",
                       "composer import ComposerError", "org,2002:")
            assert use.startswith(allowed), f"{path.relative_to(REPO)}: yaml.{use[:20]}"
