"""Hostile fixed inputs for ``_cder.scan`` and ``_cder.cms_layout`` (review of the C reader,
issue 18): boundary lengths, BER forms and limits, each against ``der.scan``, the reference
``scan`` must agree with (a None from the C scan must mean exactly "der.scan raises")."""

from __future__ import annotations

from types import ModuleType

import pytest
from tests.unit.zfo.test_fast_path import cder  # noqa: F401 - the cder fixture (autouse)

from dso_desktop.zfo import der


def _reference(data: bytes, zeros: bool, depth: int, nodes: int) -> int | None:
    try:
        return der.scan(data, max_depth=depth, max_nodes=nodes, allow_trailing_zeros=zeros)
    except Exception:  # every error of der.scan is a refusal (ZfoError)
        return None


def _long(n: int, value: int) -> bytes:
    """Length octets of the long form with n octets."""
    return bytes([0x80 | n]) + value.to_bytes(n, "big")


HOSTILE = [
    # lengths at the edges of Py_ssize_t and of 64 bits, at the root and inside an
    # indefinite parent (whose bound is the end of the buffer)
    b"\x30" + _long(8, 2**63 - 1) + b"\x05\x00",
    b"\x30" + _long(8, 2**63) + b"\x05\x00",
    b"\x30" + _long(8, 2**64 - 1) + b"\x05\x00",
    b"\x30\x80\x04" + _long(8, 2**63) + b"\x00\x00",
    b"\x30\x80\x04" + _long(8, 2**64 - 2) + b"\x00\x00",
    b"\x30\x80\x30" + _long(8, 2**64 - 1) + b"\x00\x00\x00\x00",
    b"\x30\x80\x04" + _long(8, 1) + b"\x00\x00\x00",  # non-minimal 8-octet form: read
    b"\x30\x80\x04" + _long(4, 2) + b"\x41\x41\x00\x00",  # non-minimal 4-octet form: read
    b"\x30\x80\x04\x89" + b"\x00" * 8 + b"\x01\x00\x00\x00",  # 9 length octets
    b"\x30\x80\x04\xff" + b"\x00" * 20,  # 127 length octets
    b"\x30\x80\x04\x88\x00\x00",  # length octets cut by the end
    # end-of-contents where it is not one: in a definite parent (a tag-0 value), at the
    # root, as the only byte left, in a primitive
    b"\x30\x04\x00\x00\x00\x00",
    b"\x30\x02\x00\x00",
    b"\x00\x00",
    b"\x30\x80\x00",
    b"\x30\x80\x04\x80\x00\x00\x00\x00",
    # an indefinite child running past the end of its definite parent
    b"\x30\x04\x30\x80\x05\x00\x00\x00",
    b"\x30\x03\x30\x80\x05\x00\x00\x00",
    # high tag numbers: cut inside the tag, five octets, six octets
    b"\x30\x80\x1f\x81",
    b"\x30\x80\x3f\x81\x81\x81\x81\x01\x80\x00\x00\x00\x00",
    b"\x30\x80\x3f\x81\x81\x81\x81\x81\x01\x80\x00\x00\x00\x00",
    # trailing bytes: zeros, other
    b"\x30\x00\x00\x00\x00",
    b"\x30\x00\x00\x01",
]


@pytest.mark.parametrize("data", HOSTILE, ids=lambda d: d.hex()[:40])
@pytest.mark.parametrize("zeros", [True, False])
def test_hostile_scans_agree(cder: ModuleType, data: bytes,  # noqa: F811
                             zeros: bool) -> None:
    for depth, nodes in ((der.MAX_DEPTH, der.MAX_NODES), (1, 2), (2, 3), (0, 0)):
        assert cder.scan(data, zeros, depth, nodes) == _reference(data, zeros, depth, nodes)


def test_hostile_cms_layouts_are_refused(cder: ModuleType) -> None:  # noqa: F811
    for data in HOSTILE:
        assert cder.cms_layout(data) is None, data.hex()


def test_deep_nesting_is_cut_at_the_limit(cder: ModuleType) -> None:  # noqa: F811
    deep = b"\x30\x80" * 100_000 + b"\x00\x00" * 100_000
    assert cder.scan(deep, False, der.MAX_DEPTH, der.MAX_NODES) is None
    assert cder.scan(deep, False, 100_000, 100_000) == len(deep) == _reference(
        deep, False, 100_000, 100_000)
    assert cder.cms_layout(deep) is None


@pytest.mark.parametrize("depth", [2**31 - 1, 2**40])
def test_a_huge_depth_limit_is_only_a_limit(cder: ModuleType, depth: int) -> None:  # noqa: F811
    """The C scan's stack is sized by the input, not by max_depth: a limit beyond any input
    reads as der.scan reads it (it was int arithmetic overflowing into an impossible
    allocation: MemoryError, or an OverflowError for a limit beyond a C int)."""
    for data in (b"\x30\x00", b"\x30\x80\x30\x80\x00\x00\x00\x00"):
        assert cder.scan(data, False, depth, 10) == len(data) == _reference(data, False, depth, 10)
    # as many open values as the bytes can hold (the stack's bound, tight), then refused
    for data in (b"\x30\x80" * 1000, b"\x30\x80" * 1000 + b"\x00"):
        assert cder.scan(data, True, depth, 10**6) is None is _reference(data, True, depth, 10**6)
