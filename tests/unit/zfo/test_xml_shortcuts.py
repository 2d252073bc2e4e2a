"""The faster searches in xmlcontent say exactly what the plain ones they replace say."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.zfo.errors import HostileXmlError
from dso_desktop.zfo.xmlcontent import (
    MAX_XML_DEPTH,
    _has_bang_markup,
    _last_hash_tag,
    depth_limit_check,
)

_ALPHABET = st.sampled_from([b"<", b"!", b":", b"a", b"dmHash", b"<dmHash", b":dmHash", b"\x00"])


@given(st.lists(_ALPHABET, max_size=40).map(b"".join))
@example(b"!<!")  # a "!" at the very start is looked at, and the search goes on after it
@example(b"<!")
def test_bang_markup_is_a_plain_search(doc: bytes) -> None:
    assert _has_bang_markup(doc) == (b"<!" in doc)


@given(st.lists(_ALPHABET, max_size=40).map(b"".join))
def test_last_hash_tag_is_the_later_of_both_forms(doc: bytes) -> None:
    expected = max(doc.rfind(b":dmHash"), doc.rfind(b"<dmHash"))
    assert _last_hash_tag(doc, b"dmHash", b":<") == expected
    text = doc.decode("latin-1")
    assert _last_hash_tag(text, "dmHash", ":<") == expected


def _nested(depth: int, *, comment_at_bottom: bool = False) -> etree._Element:
    root = etree.Element("r")
    el = root
    for _ in range(depth - 1):
        el = etree.SubElement(el, "e")
    if comment_at_bottom:
        el.append(etree.Comment("c"))
    return root


@pytest.mark.parametrize(("depth", "comment", "refused"), [
    (MAX_XML_DEPTH, False, False),
    (MAX_XML_DEPTH + 1, False, True),
    (MAX_XML_DEPTH, True, True),  # a comment one level deeper counts, as it always did
    (MAX_XML_DEPTH - 1, True, False),
    (10, False, False),
])
def test_depth_limit_with_the_node_count_shortcut(depth: int, comment: bool,
                                                  refused: bool) -> None:
    root = _nested(depth, comment_at_bottom=comment)
    if refused:
        with pytest.raises(HostileXmlError):
            depth_limit_check(root)
    else:
        depth_limit_check(root)


def test_big_trees_get_the_full_walk() -> None:
    """More nodes than the limit (the count does not decide): shallow passes, deep fails."""
    root = etree.Element("r")
    for _ in range(MAX_XML_DEPTH * 3):
        etree.SubElement(root, "e")
    assert depth_limit_check(root) is None
    root.append(_nested(MAX_XML_DEPTH))  # under the root: one level too deep
    with pytest.raises(HostileXmlError):
        depth_limit_check(root)


def test_verification_hashes_dm_dm_in_place(make_zfo: Callable[..., bytes]) -> None:
    """verify_facts hands out the dmDm bytes as a view of the content, not a copy (on a
    300 MB message that copy was 300 MB more at the peak), with the same bytes."""
    from dso_desktop.zfo import fastcms
    from dso_desktop.zfo.xmlcontent import read_content, verify_facts

    content = fastcms.signed_data(make_zfo()).content
    assert content is not None
    view = verify_facts(content)["dm_dm_bytes"]
    assert isinstance(view, memoryview)
    assert view.obj is content
    assert bytes(view) == read_content(content)["dm_dm_bytes"]
    assert bytes(view).startswith(b"<p:dmDm") and bytes(view).endswith(b"</p:dmDm>")
