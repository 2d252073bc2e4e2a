"""Translations: Czech by default, English (the source language) on request."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from dso_desktop.resources import resource_path

log = logging.getLogger(__name__)
LANGUAGES = ("cs", "en")
DEFAULT_LANGUAGE = "cs"

_installed: list[QTranslator] = []
_current = [DEFAULT_LANGUAGE]


def current() -> str:
    """The language of the user interface now."""
    return _current[0]


def qm_path(lang: str) -> str:
    return str(resource_path("i18n", f"dso_desktop_{lang}.qm"))


def install(lang: str) -> str:
    """Install the translators for ``lang`` (replacing earlier ones); returns the language used."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before installing translations")
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    _current[0] = lang
    if lang == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
        return lang
    QLocale.setDefault(QLocale(QLocale.Language.Czech, QLocale.Country.CzechRepublic))
    ours = QTranslator(app)
    if ours.load(qm_path(lang)):
        app.installTranslator(ours)
        _installed.append(ours)
    else:
        log.warning("translation file missing: %s", qm_path(lang))
    qt = QTranslator(app)
    if qt.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return lang
