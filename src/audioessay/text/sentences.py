"""Sentence splitting (placeholder; being replaced by the full implementation)."""

from __future__ import annotations

import re


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
