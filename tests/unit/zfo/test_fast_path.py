# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""The C fast path of the CMS walk (``zfo._cder``) against the pure-Python reference.

Whatever the input - the real samples, the simulator's ZFOs, fuzzed bytes - both paths must
read the same fields or fail with the same error, and verify_zfo must give the same verdict
(kind, reasons, every field) either way.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import REPO_ROOT, ZFO_SAMPLES, require_shared, shared_trust_anchors
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - fixtures

from dso_desktop.zfo import fastcms
from dso_desktop.zfo.cmscheck import _ess_cert_hash
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import Verdict, verify_zfo

CHECK_AT = datetime(2026, 11, 2, tzinfo=UTC)


def _build_extension(tmp: Path) -> ModuleType | None:
    """Compile _cder the way the install does, into ``tmp`` (None: no compiler here)."""
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--build-lib", str(tmp / "lib"),
         "--build-temp", str(tmp / "tmp")], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=300, check=False)
    built = sorted((tmp / "lib").rglob("_cder*"))
    if proc.returncode != 0 or not built:
        return None
    spec = importlib.util.spec_from_file_location("dso_desktop.zfo._cder", built[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", autouse=True)
def cder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The compiled fast path: the installed one, else one built now for these tests."""
    module = fastcms._cder
    if module is None:
        module = _build_extension(tmp_path_factory.mktemp("cder"))
        if module is None:
            pytest.skip("no C compiler: the fast path cannot be built here (the reference "
                        "alone is used)")
    old = fastcms._cder
    fastcms._cder = module
    module.set_tlv_type(fastcms.Tlv)  # as fastcms does at import for the installed one
    yield module
    fastcms._cder = old


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", fn()
    except Exception as exc:  # the exact error is what is compared
        return type(exc).__name__, str(exc)


def _both(fn: Callable[[], Any]) -> tuple[tuple[str, Any], tuple[str, Any]]:
    fast = _outcome(fn)
    with fastcms.reference_only():
        ref = _outcome(fn)
    return fast, ref


def _verdict_fields(v: Verdict) -> dict[str, Any]:
    return asdict(v)


def _assert_same_reading(data: bytes) -> None:
    """signed_data, the token inside it, its TSTInfo: the same result or the same error."""
    fast, ref = _both(lambda: fastcms.signed_data(data))
    assert fast == ref
    if fast[0] != "ok":
        return
    parts: fastcms.SignerParts = fast[1]
    _assert_same_ess(parts)
    for token in parts.unsigned.get(fastcms.OID_TIMESTAMP_TOKEN, []):
        fast_t, ref_t = _both(lambda t=token: fastcms.token_parts(parts.buf, t))
        assert fast_t == ref_t
        if fast_t[0] == "ok":
            _assert_same_ess(fast_t[1])
        if fast_t[0] == "ok" and fast_t[1].content is not None:
            content = fast_t[1].content
            fast_i, ref_i = _both(lambda c=content: fastcms.tst_info(c))
            assert fast_i == ref_i
        der = fastcms.der(parts.buf, token) if not token.indefinite else b""
        fast_e, ref_e = _both(lambda d=der: fastcms.encapsulated(d, fastcms.OID_TST_INFO))
        assert fast_e == ref_e


def _assert_same_ess(parts: fastcms.SignerParts) -> None:
    """The signing-certificate attributes (the ESSCertID hash) read the same both ways."""
    for key, v2 in ((fastcms.OID_SIGNING_CERT_V2, True), (fastcms.OID_SIGNING_CERT, False)):
        for value in parts.attrs.get(key, []):
            for as_v2 in (v2, not v2):  # also each shape read as the other kind
                fast, ref = _both(lambda t=value, w=as_v2: _ess_cert_hash(parts, t, w))
                assert fast == ref


def _assert_same_verdict(data: bytes, trust_store: TrustStore) -> Verdict:
    fast = verify_zfo(data, trust_store, now=CHECK_AT)
    with fastcms.reference_only():
        ref = verify_zfo(data, trust_store, now=CHECK_AT)
    assert _verdict_fields(fast) == _verdict_fields(ref)
    return fast


def test_the_fast_path_really_runs(cder: ModuleType, make_zfo: Callable[..., bytes]) -> None:
    """Not a vacuous comparison: on a well-formed ZFO the C reader answers by itself."""
    z = make_zfo()
    fields = cder.signed_data(z, True)
    assert fields is not None
    assert fields[1] == fastcms.signed_data_reference(z).content
    parts = fastcms.signed_data(z)
    (ess,) = parts.attrs[fastcms.OID_SIGNING_CERT_V2]
    assert cder.ess_cert_id(parts.buf, ess.start, ess.end, True) is not None
    assert fastcms.signed_data(z) == fastcms.signed_data_reference(z)


def test_the_fast_path_declines_ber_and_the_reference_reads_it(cder: ModuleType) -> None:
    """A BER SignedData too short to be one: declined, and the reference says why (BER
    that is a ZFO: test_fast_ber.py)."""
    # SEQUENCE(indefinite){ OID signedData, [0](indefinite){ SEQUENCE{...} } }: too short to
    # be a SignedData, so the reference raises, and the fast path must not have answered.
    ber = bytes.fromhex("3080" "06092a864886f70d010702" "a080" "3000" "0000" "0000")
    assert cder.signed_data(ber, True) is None
    assert _both(lambda: fastcms.signed_data(ber))[0][0] == "MalformedCmsError"


def test_real_samples_read_and_verify_the_same() -> None:
    require_shared(ZFO_SAMPLES)
    store = TrustStore.from_paths(list(shared_trust_anchors()))
    samples = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert samples
    for path in samples:
        data = path.read_bytes()
        _assert_same_reading(data)
        _assert_same_verdict(data, store)


def test_simulator_zfos_read_and_verify_the_same(tmp_path: Path) -> None:
    from dso_desktop.simulator import Simulator, render
    from dso_desktop.zfo.produce import seal

    sim = Simulator(None, seed=7, messages=12, now=CHECK_AT)
    pki_ = sim.pki.pki
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki_.ca_pem())
    store = TrustStore.from_paths([ca])
    kinds = set()
    for msg in list(sim.world.messages.values())[:12]:
        content = render.signed_content(sim.world, msg, "received", sim.core.qtimestamp(msg))
        z = seal(content, pki_.seal, pki_.tsa, CHECK_AT)
        _assert_same_reading(z)
        kinds.add(_assert_same_verdict(z, store).kind.value)
    assert kinds == {"valid"}


def test_factory_variants_verify_the_same(make_zfo: Callable[..., bytes],
                                          trust: TrustStore) -> None:
    for z in (make_zfo(), make_zfo(with_tsa=False), make_zfo(when=datetime(2024, 6, 1, tzinfo=UTC)),
              make_zfo(digest="sha1")):
        _assert_same_reading(z)
        _assert_same_verdict(z, trust)


_SETTINGS = settings(max_examples=300, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@st.composite
def _mutations(draw: st.DrawFn) -> list[tuple[str, int, int]]:
    n = draw(st.integers(1, 4))
    return [(draw(st.sampled_from(["set", "insert", "delete", "truncate", "indefinite"])),
             draw(st.integers(0, 1 << 30)), draw(st.integers(0, 255))) for _ in range(n)]


def _mutate(data: bytes, ops: list[tuple[str, int, int]], hot: int) -> bytes:
    """Byte edits, most of them in the DER head and the signer info (where the walk is)."""
    b = bytearray(data)
    for op, where, value in ops:
        if not b:
            break
        # Half the edits land in the first `hot` bytes, the rest anywhere.
        pos = where % (min(hot, len(b)) if where & 1 else len(b))
        if op == "set":
            b[pos] = value
        elif op == "insert":
            b.insert(pos, value)
        elif op == "delete":
            del b[pos]
        elif op == "truncate":
            del b[pos:]
        elif op == "indefinite" and pos + 1 < len(b):
            b[pos + 1] = 0x80
    return bytes(b)


@_SETTINGS
@given(ops=_mutations(), tail=st.booleans())
def test_fuzzed_zfos_read_and_verify_the_same(make_zfo: Callable[..., bytes],
                                              trust: TrustStore,
                                              ops: list[tuple[str, int, int]],
                                              tail: bool) -> None:
    base = _fuzz_base(make_zfo)
    # The signer info sits after the content; aim there too.
    cut = max(0, len(base) - 2500)
    data = _mutate(base, ops, 200) if not tail else base[:cut] + _mutate(base[cut:], ops, 2500)
    _assert_same_reading(data)
    _assert_same_verdict(data, trust)


_BASE: dict[str, bytes] = {}


def _fuzz_base(make_zfo: Callable[..., bytes]) -> bytes:
    if "z" not in _BASE:
        _BASE["z"] = make_zfo()
    return _BASE["z"]


@_SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_read_the_same(data: bytes) -> None:
    _assert_same_reading(b"\x30" + data)
    _assert_same_reading(data)
    fast, ref = _both(lambda: fastcms.tst_info(data))
    assert fast == ref
    fast, ref = _both(lambda: fastcms.encapsulated(data, fastcms.OID_TST_INFO))
    assert fast == ref


def _time_tlv(tag: int, text: bytes) -> tuple[bytes, fastcms.Tlv]:
    buf = b"\x99" + text + b"\x99"  # not at offset 0 and not up to the end: bounds matter
    return buf, fastcms.Tlv(tag, 0, 1, 1 + len(text), 1 + len(text))


@st.composite
def _time_texts(draw: st.DrawFn) -> bytes:
    """Mostly shapes close to valid times (so both accept many), some random bytes."""
    digits = st.text(alphabet="0123456789", min_size=0, max_size=16)
    shape = draw(st.sampled_from(["utc", "gen", "genfrac", "random"]))
    if shape == "utc":
        return (draw(st.text(alphabet="0123456789", min_size=12, max_size=12)) + "Z").encode()
    if shape == "gen":
        return (draw(st.sampled_from(["2026", "1999", "0001", "9999", "0000"]))
                + draw(st.text(alphabet="0123456789", min_size=10, max_size=10)) + "Z").encode()
    if shape == "genfrac":
        return ("20261102" + draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
                + draw(st.sampled_from([".", ",", ".."])) + draw(digits)
                + draw(st.sampled_from(["Z", "", "+0100"]))).encode()
    return draw(st.binary(max_size=24))


@_SETTINGS
@given(text=_time_texts(), tag=st.sampled_from([0x17, 0x18, 0x04, 0x37]))
def test_times_read_the_same(text: bytes, tag: int) -> None:
    """UTCTime/GeneralizedTime in C (signingTime, genTime): the same datetime or error."""
    buf, t = _time_tlv(tag, text)
    fast, ref = _both(lambda: fastcms.parse_time(buf, t))
    assert fast == ref
    if fast[0] == "ok":
        assert fast[1].tzinfo is UTC  # the same aware value, not only an equal one


def test_the_time_fast_path_really_runs(cder: ModuleType) -> None:
    buf, t = _time_tlv(0x18, b"20261102030405.1234567Z")
    when = cder.der_time(buf, t.tag, t.body, t.end)
    assert when == datetime(2026, 11, 2, 3, 4, 5, 123456, tzinfo=UTC)
    buf, t = _time_tlv(0x17, b"491231235959Z")
    assert cder.der_time(buf, t.tag, t.body, t.end) == datetime(2049, 12, 31, 23, 59, 59,
                                                                 tzinfo=UTC)
    buf, t = _time_tlv(0x17, b"501301000000Z")  # month 13: left to the reference's error
    assert cder.der_time(buf, t.tag, t.body, t.end) is None
    assert _both(lambda: fastcms.parse_time(buf, t))[1][0] == "MalformedCmsError"
    assert cder.der_time(b"x", 0x18, 0, 5) is None  # beyond the buffer: refused


def test_attribute_values_are_tlv_objects(make_zfo: Callable[..., bytes]) -> None:
    """The C walk builds the attribute values as fastcms.Tlv (fields by name work)."""
    parts = fastcms.signed_data(make_zfo())
    (md,) = parts.attrs[fastcms.OID_MESSAGE_DIGEST]
    assert type(md) is fastcms.Tlv and md.indefinite is False
    assert parts.buf[md.body:md.end] == fastcms.octets(parts.buf, md)
    with fastcms.reference_only():
        assert fastcms.signed_data(parts.buf).attrs == parts.attrs


def test_a_stale_build_of_the_extension_is_not_used(cder: ModuleType) -> None:
    """An editable install keeps the .so of an older _cder.c until it is rebuilt; one that
    lacks this contract (no API constant, or another number) falls back to the reference
    instead of failing at import or mid-verification."""
    assert fastcms.usable_extension(cder)
    assert not fastcms.usable_extension(ModuleType("_cder"))  # built from the old source
    old = ModuleType("_cder")
    old.API = fastcms.CDER_API - 1  # type: ignore[attr-defined]
    assert not fastcms.usable_extension(old)
