"""Normalization for speech (placeholder; being replaced by the full implementation)."""

from __future__ import annotations

from collections.abc import Mapping

from audioessay.models import Decision


def speak(sentence: str, language: str = "en", lexicon: Mapping[str, str] | None = None) -> tuple[str, list[Decision]]:
    """Return what to say for one written sentence, and the decisions made."""
    return sentence, []
