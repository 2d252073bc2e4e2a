"""Build hook for the one optional C extension (project metadata lives in pyproject.toml).

``dso_desktop.zfo._cder`` is the C fast path of the ZFO DER walk. It is optional: where no C
compiler is found the install still succeeds and verification uses the pure-Python reference
(``dso_desktop.zfo.fastcms``), which gives the same verdicts, only slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dso_desktop.zfo._cder", ["src/dso_desktop/zfo/_cder.c"],
                             optional=True)])
