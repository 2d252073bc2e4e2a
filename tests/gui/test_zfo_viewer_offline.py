"""The ZFO viewer shows the nine real ISDS samples as valid at signing, with no internet."""

from __future__ import annotations

from typing import Any

from tests.conftest import ZFO_SAMPLES, require_shared


def test_viewer_shows_real_samples_valid_at_signing_offline(qtbot: Any, ctx: Any,
                                                            monkeypatch: Any) -> None:
    require_shared(ZFO_SAMPLES)
    from dso_desktop.gui import fmt
    from dso_desktop.gui.zfoviewer import ZfoViewer

    def no_network(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the viewer tried to use the network")

    monkeypatch.setattr("requests.get", no_network)
    files = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert len(files) == 9
    for f in files:
        viewer = ZfoViewer(ctx, f, [])
        qtbot.addWidget(viewer)
        qtbot.waitUntil(lambda v=viewer: v.view is not None, timeout=15_000)
        verdict = viewer.view.verdict
        assert verdict.kind.value == "valid-at-signing", (f.name, verdict.reasons)
        assert viewer.verdict.text().startswith(fmt.verdict_text("valid-at-signing"))
        # Offline: the viewer says revocation was not checked (in Czech).
        assert "nebylo ověřeno" in viewer.verdict.text()
        viewer.close()
