"""The ``podcast:alternateEnclosure`` element the AAC copy is announced with: bad values are refused,
every source is written and escaped (the AAC copy from render to feed, page and server is in
tests/e2e/test_aac.py)."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from audioessay.publish.podcast_ext import PODCAST_NS, PodcastIndexEntryExtension

NS = {"podcast": PODCAST_NS}


@pytest.mark.parametrize("kwargs", [
    {"type": "mp4", "length": 1, "sources": ["https://example.com/a.m4a"]},
    {"type": "audio/mp4", "length": -1, "sources": ["https://example.com/a.m4a"]},
    {"type": "audio/mp4", "length": True, "sources": ["https://example.com/a.m4a"]},
    {"type": "audio/mp4", "length": 1, "sources": []},
    {"type": "audio/mp4", "length": 1, "sources": ["ftp://example.com/a.m4a"]},
    {"type": "audio/mp4", "length": 1, "sources": ["https://example.com/a b.m4a"]},
    {"type": "audio/mp4", "length": 1, "sources": ["https://example.com/a.m4a"], "bitrate": 0},
    {"type": "audio/mp4", "length": 1, "sources": ["https://example.com/a.m4a"], "title": " "},
    {"type": "audio/mp4", "length": 1, "sources": ["https://example.com/a.m4a"], "default": "yes"},
])
def test_alternate_enclosure_refuses_bad_values(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PodcastIndexEntryExtension().alternate_enclosure(**kwargs)


def test_alternate_enclosure_escapes_and_writes_every_source() -> None:
    extension = PodcastIndexEntryExtension()
    sources = ["https://example.com/a.m4a?x=1&y=<2>", "https://mirror.example/a.m4a"]
    extension.alternate_enclosure("audio/mp4", 10, sources, title='AAC "high" & <low>', default=False)
    item = extension.extend_rss(etree.Element("item"))
    text = etree.tostring(item, encoding="unicode")
    assert 'title="AAC &quot;high&quot; &amp; &lt;low&gt;"' in text and "x=1&amp;y=&lt;2&gt;" in text
    (alternate,) = item.findall("podcast:alternateEnclosure", NS)
    assert alternate.get("default") == "false" and alternate.get("bitrate") is None
    assert [s.get("uri") for s in alternate.findall("podcast:source", NS)] == sources
