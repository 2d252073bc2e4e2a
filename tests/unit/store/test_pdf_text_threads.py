"""PDF text extraction from several threads at once (parallel account syncs) must not crash
the process: PDFium is not thread-safe. Run in a child process so a crash is a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import threading
from fpdf import FPDF
from dso_desktop.store.textextract import pdf_text

pdf = FPDF()
for i in range(5):
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=f"Rozhodnuti strana {i} " * 5)
data = bytes(pdf.output())
bad = []

def work():
    for _ in range(150):
        if "Rozhodnuti strana" not in pdf_text(data):
            bad.append(1)

threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("ok", len(bad))
"""


def test_pdf_text_from_parallel_threads_does_not_crash() -> None:
    src = Path(__file__).resolve().parents[3] / "src"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(src), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          timeout=300, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]  # -11: SIGSEGV inside PDFium
    assert proc.stdout.split() == ["ok", "0"]
