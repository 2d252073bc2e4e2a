"""Survivors of the mutation run (branch ``mutants2``) in `update.release`.

- ``Notes.from_json`` with ``or`` turned into ``and``: a value that is not an object (or an
  object without Czech text) then slipped past the check and failed later with another
  error than `ReleaseFormatError` (which the update check reports as a broken release);
- ``LatestIndex.from_bytes`` losing the reason "unknown latest.json format".
"""

from __future__ import annotations

import json

import pytest

from dso_desktop.update.release import LatestIndex, Notes, ReleaseFormatError


@pytest.mark.parametrize("obj", [
    [], "Oprava chyb", None, 7,
    {"en": "Bug fixes"}, {"cs": "Oprava chyb"}, {"cs": 1, "en": "Bug fixes"},
    {"cs": "Oprava chyb", "en": ["Bug fixes"]},
])
def test_release_notes_without_both_texts_are_a_format_error(obj: object) -> None:
    with pytest.raises(ReleaseFormatError, match="release notes need text in 'cs' and 'en'"):
        Notes.from_json(obj)


def test_release_notes_with_both_texts_are_read() -> None:
    notes = Notes.from_json({"cs": "Oprava chyb", "en": "Bug fixes", "extra": 1})
    assert (notes.cs, notes.en) == ("Oprava chyb", "Bug fixes")


@pytest.mark.parametrize("fmt", [None, 0, 2, "1"])
def test_an_index_of_another_format_says_so(fmt: object) -> None:
    obj = {"version": "1.2.3", "archive": "a.tar.gz"}
    if fmt is not None:
        obj["format"] = fmt
    with pytest.raises(ReleaseFormatError, match=r"^bad latest\.json: unknown latest\.json "
                                                 r"format$"):
        LatestIndex.from_bytes(json.dumps(obj).encode())
