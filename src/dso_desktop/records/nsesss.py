"""The NSESSS Annex 7 transfer batch (`Davka`) and its confirmation (`PrenosPotvrzeni`).

A batch is one ZIP (Příloha 7 of NSESSS): stored or deflate entries, UTF-8 names with the
language-encoding flag (bit 11), no encryption, `manifest.xml` (root `Davka`) at the root and
every entity as its own XML (root `Export`) in a subfolder. Each message is one `Dokument`
(received ones with `Doruceni` and the dmID, sent ones with `Vypraveni`); its files are
`Soubor` entities: the signed ZFO unchanged (later versions of it, e.g. restamped copies, as
later versions of the same file) and the signed delivery info. Every `Entita` carries the
SHA-256 of its XML (`Otisk`, lowercase hex) and the manifest names the algorithm; every
binary's SHA-256 is in its `Soubor` XML (`DoplnujiciData`, our namespace), so the chain of
hashes from the manifest covers every byte of the batch. Where the standard is silent and what
was chosen is in docs/records.md.

Schemas: ermsExportPrenos.xsd of nsessl/schema tag 20230621 (namespace
``http://www.mvcr.cz/nsesss/2023/api``). Tests validate every XML written here against it.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from dso_desktop.records.errors import ConfirmationError, RecordsError

API_NS = "http://www.mvcr.cz/nsesss/2023/api"
DSO_NS = "urn:dso-desktop:records:1"  # our own additions inside DoplnujiciData
SHA256_URI = "http://www.w3.org/2001/04/xmlenc#sha256"
MANIFEST = "manifest.xml"
DOCUMENT_DIR = "dokumenty"
FILE_DIR = "soubory"
DATA_DIR = "data"  # relative to the Soubor XML (dmLocalRelativePath)

ID_SYSTEM_MAX = 10  # sIdInformacnihoSystemu
HODNOTA_ID_MAX = 40  # sHodnotaID
NAZEV_MAX = 100  # sNazev
USER_MAX = 50  # tUzivatel
NOTE_MAX = 255  # sPoznamka

ROLE_DOCUMENT = "document"
ROLE_MESSAGE = "message"
ROLE_DELIVERY_INFO = "delivery-info"

LOADED = "nacteno"
NOT_LOADED = "nenacteno"
PARTLY_LOADED = "castecneNacteno"

_ID_SYSTEM = re.compile(r"^[A-Za-z0-9_.-]{1,10}$")


def _q(name: str) -> str:
    return f"{{{API_NS}}}{name}"


def xml_datetime(value: datetime) -> str:
    """xs:dateTime in UTC with ``Z`` (an archive time is UTC; a naive one is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_system_id(value: str, what: str) -> str:
    """An information-system identifier as the schema allows it (1-10 characters); we also
    keep it to letters, digits and ``_.-`` so it is safe in file names and logs."""
    if not _ID_SYSTEM.match(value or ""):
        raise RecordsError(f"{what} must be 1-10 letters, digits or _.- (got {value!r})")
    return value


@dataclass(frozen=True)
class FileVersion:
    """One version of a file handed over: the bytes exactly as stored, and when that
    version came to be (the original ZFO: its delivery or storing time)."""

    data: bytes
    created_at: datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Party:
    name: str | None
    box_id: str | None
    box_type: int | None = None


@dataclass(frozen=True)
class MessageEntry:
    """One message of the archive as the batch needs it. ``zfo_versions`` is the list of
    versions of the signed message, oldest first: the original as received, then any later
    (restamped) copies. ``delivery_info`` is the signed delivery info, if stored."""

    message_id: int
    dm_id: str
    received: bool  # received by this box (Doruceni) or sent from it (Vypraveni)
    subject: str | None
    sender: Party
    recipient: Party
    delivered_at: datetime | None
    accepted_at: datetime | None
    stored_at: datetime
    attachment_count: int
    zfo_versions: Sequence[FileVersion]
    delivery_info: FileVersion | None = None

    @property
    def prefix(self) -> str:
        return "DDZ" if self.received else "ODZ"

    @property
    def zfo_name(self) -> str:
        """The file name Datovka and the ISDS portal give this signed message."""
        return f"{self.prefix}_{self.dm_id}.zfo"


@dataclass(frozen=True)
class BatchSpec:
    batch_id: str  # DavkaId, 1-40 characters
    source: str  # Zdroj: this system's identifier
    target: str  # Cil: the receiving system's identifier
    operator: str  # provedlKdo / VlastniKdo: who made the batch
    created_at: datetime
    purpose: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class EntityRecord:
    """One `Entita` of a written batch, as the archive keeps it to read the confirmation."""

    poradi: int
    entity_type: str  # Dokument | Soubor
    entity_id: str
    message_id: int
    role: str  # document | message | delivery-info
    path: str  # the entity's XML inside the ZIP
    xml_sha256: str
    sha256: str | None  # the first (original) binary it carries, for a Soubor


@dataclass(frozen=True)
class BatchResult:
    path: Path
    batch_id: str
    manifest_sha256: str
    entities: tuple[EntityRecord, ...]
    message_ids: tuple[int, ...]


@dataclass
class _Entity:
    entity_type: str
    entity_id: str
    message_id: int
    role: str
    folder: str
    name: str
    xml: bytes = b""
    sha256: str | None = None
    binaries: list[tuple[str, bytes]] = field(default_factory=list)


def _el(parent: etree._Element, name: str, text: str | None = None,
        **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, _q(name), {k: v for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def _identifier(parent: etree._Element, name: str, value: str, source: str) -> None:
    ident = _el(parent, name)
    _el(ident, "HodnotaID", value)
    _el(ident, "ZdrojID", source)


_SUBJECT_TYPES = (("OVM", "Pravnicka"), ("PO", "Pravnicka"), ("PFO", "Osvc"), ("FO", "Fyzicka"))


def subject_type(box_type: int | None) -> str:
    """sTypSubjektu from the ISDS box type: OVM and PO boxes are legal persons, PFO
    self-employed, FO natural persons; anything else is "Neurceno" (not determined)."""
    from dso_desktop.domain import BOX_TYPE_CODES

    if box_type is None:
        return "Neurceno"
    names = [n for n, code in BOX_TYPE_CODES.items() if code == box_type]
    for name in names:
        for prefix, kind in _SUBJECT_TYPES:
            if name == prefix or name.startswith(prefix + "_"):
                return kind
    return "Neurceno"


def _party(parent: etree._Element, name: str, party: Party) -> None:
    who = _el(parent, name)
    subj = _el(who, "Subjekt")
    _el(subj, "TypSubjektu", subject_type(party.box_type))
    if party.name:
        _el(subj, "ObchodniNazev", party.name[:100])
    addr = _el(who, "Adresa")
    if party.box_id and len(party.box_id) == 7:
        ds = _el(addr, "AdresaDS")
        _el(ds, "IdDb", party.box_id)
    else:  # no box id known (an envelope without it): an empty postal address
        _el(addr, "AdresaPostovni")


def _export_root(spec: BatchSpec, poradi: int) -> etree._Element:
    return etree.Element(_q("Export"), {"Zdroj": spec.source, "DavkaId": spec.batch_id,
                                        "PoradiVDavce": str(poradi)}, nsmap={None: API_NS})


def _authorisation(root: etree._Element, spec: BatchSpec) -> None:
    auth = _el(root, "Autorizace")
    _el(auth, "provedlKdo", spec.operator)
    _el(auth, "provedlKdy", xml_datetime(spec.created_at))


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))


def _file_xml(spec: BatchSpec, poradi: int, ent: _Entity, versions: Sequence[FileVersion],
              descr: str, names: Sequence[str]) -> bytes:
    root = _export_root(spec, poradi)
    soubor = _el(root, "Soubor")
    _identifier(soubor, "Identifikator", ent.entity_id, spec.source)

    def location(tag: str, parent: etree._Element, v: FileVersion, number: int,
                 file_name: str, final: bool) -> None:
        loc = _el(parent, tag, dmMimeType="application/vnd.software602.filler.form-xml-zip",
                  dmFileDescr=descr, dmFinalniVerze="A" if final else "N")
        _el(loc, "dmLocalRelativePath", DATA_DIR)
        _el(loc, "dmLocalFileName", file_name)
        _el(loc, "DatumCasVytvoreni", xml_datetime(v.created_at))
        _el(loc, "Verze", str(number))

    newest = len(versions)
    location("AktualniVerze", soubor, versions[-1], newest, names[-1], True)
    if newest > 1:
        old = _el(soubor, "StareVerze")
        for i, v in enumerate(versions[:-1]):
            location("StaraVerze", old, v, i + 1, names[i], False)
    _authorisation(root, spec)
    extra = _el(root, "DoplnujiciData")
    for v, file_name in zip(versions, names, strict=True):
        digest = etree.SubElement(extra, f"{{{DSO_NS}}}Otisk", nsmap={"dso": DSO_NS})
        digest.set("Soubor", f"{DATA_DIR}/{file_name}")
        digest.set("HashAlgorithm", SHA256_URI)
        digest.set("Velikost", str(len(v.data)))
        digest.text = v.sha256
    return _serialise(root)


def _document_xml(spec: BatchSpec, poradi: int, ent: _Entity, m: MessageEntry,
                  files: Sequence[tuple[_Entity, str, str]]) -> bytes:
    root = _export_root(spec, poradi)
    doc = _el(root, "Dokument")
    _identifier(doc, "Identifikator", ent.entity_id, spec.source)
    created = m.delivered_at or m.accepted_at or m.stored_at
    _el(doc, "DatumCasVytvoreni", xml_datetime(created))
    _el(doc, "Forma", "digitalni")
    _el(doc, "Nazev", (m.subject or f"Datová zpráva {m.dm_id}")[:NAZEV_MAX])
    # A digital document has no sheets; the standard has no "not applicable" value.
    _el(doc, "PocetListu", "0")
    _el(doc, "PocetPriloh", str(max(0, m.attachment_count)))
    _el(doc, "DruhPriloh", "elektronické")
    _el(doc, "PocetListuPriloh", "0")
    if m.received:
        dor = _el(doc, "Doruceni")
        _party(dor, "Odesilatel", m.sender)
        info = _el(dor, "ZasilkaInfo")
        _el(info, "dmID", m.dm_id)
        when = m.delivered_at or m.stored_at
        _el(info, "DatumDoruceni", xml_datetime(when)[:10] + "Z")
        _el(info, "CasDoruceni", xml_datetime(when)[11:])
    else:
        vyp = _el(doc, "Vypraveni")
        _identifier(vyp, "Identifikator", f"VYP-{ent.entity_id}"[:HODNOTA_ID_MAX],
                    spec.source)
        _party(vyp, "Adresat", m.recipient)
        info = _el(vyp, "ZasilkaInfo")
        _el(info, "dmID", m.dm_id)
        _el(info, "DatumCasVytvoreni", xml_datetime(m.accepted_at or m.stored_at))
        if m.delivered_at is not None:
            _el(info, "DatumDoruceni", xml_datetime(m.delivered_at)[:10] + "Z")
            _el(info, "CasDoruceni", xml_datetime(m.delivered_at)[11:])
    links = _el(doc, "OdkazyNaSoubory")
    for f, meta_type, descr in files:
        link = _el(links, "dmFileLink", dmFileMetaType=meta_type, dmFileDescr=descr)
        _identifier(link, "Identifikator", f.entity_id, spec.source)
    _el(doc, "VlastniKdo", spec.operator)
    _el(doc, "SpravujeIS", spec.source)
    # Nothing has been done with the message in a records system yet.
    _el(doc, "StavDokumentu", "nevyrizen")
    _authorisation(root, spec)
    return _serialise(root)


def _manifest_xml(spec: BatchSpec, entities: Sequence[_Entity]) -> bytes:
    root = etree.Element(_q("Davka"), nsmap={None: API_NS})
    _el(root, "DavkaId", spec.batch_id)
    _el(root, "DatumCasVytvoreni", xml_datetime(spec.created_at))
    _el(root, "Zdroj", spec.source)
    _el(root, "Cil", spec.target)
    _el(root, "TypDavky", "Prenos")
    if spec.purpose:
        _el(root, "UcelDavky", spec.purpose)
    if spec.note:
        _el(root, "Poznamka", spec.note)
    obsah = _el(root, "Obsah", HashAlgorithm=SHA256_URI)
    for i, ent in enumerate(entities, start=1):
        _el(obsah, "Entita", Poradi=str(i), Umisteni=ent.folder, Jmeno=ent.name,
            Otisk=hashlib.sha256(ent.xml).hexdigest(), TypEntity=ent.entity_type,
            IdEntity=ent.entity_id)
    return _serialise(root)


def entity_id(prefix: str, m: MessageEntry) -> str:
    """IdEntity / HodnotaID: kind, dmID and the archive's message number (unique even when
    one dmID is in the archive twice, e.g. sent by one account and received by another)."""
    value = f"{prefix}-{m.dm_id}-{m.message_id}"
    if len(value) > HODNOTA_ID_MAX:
        raise RecordsError(f"identifier too long for NSESSS: {value!r}")
    return value


def _name_part(value: str) -> str:
    """An entity id as part of a member name in the ZIP. A dmID is digits in ISDS, but the
    archive keeps what a server or an imported file said; a ``/`` or ``..`` in it must not
    become a path (Zip Slip in the receiving system), so anything but ASCII letters, digits,
    ``_`` and ``-`` becomes ``_`` (the message number in the id keeps names unique)."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_-") else "_"
                   for ch in value)


def _message_entities(spec: BatchSpec, m: MessageEntry, before: int) -> list[_Entity]:
    """The entities of one message, numbered after the ``before`` already written."""
    if not m.zfo_versions:
        raise RecordsError(f"message {m.dm_id} has no signed ZFO to hand over")
    files: list[tuple[_Entity, str, str]] = []
    zfo = _Entity("Soubor", entity_id("ZFO", m), m.message_id, ROLE_MESSAGE, FILE_DIR, "")
    stem = _name_part(zfo.entity_id)
    zfo_names = [f"{stem}-v{i}.zfo" for i in range(1, len(m.zfo_versions) + 1)]
    zfo.binaries = [(n_, v.data) for n_, v in zip(zfo_names, m.zfo_versions, strict=True)]
    # The original is the evidence the archive keeps; later versions ride along.
    zfo.sha256 = m.zfo_versions[0].sha256
    out = [zfo]
    files.append((zfo, "main", m.zfo_name))
    di: _Entity | None = None
    if m.delivery_info is not None:
        di = _Entity("Soubor", entity_id("DOD", m), m.message_id, ROLE_DELIVERY_INFO,
                     FILE_DIR, "")
        di.binaries = [(f"{_name_part(di.entity_id)}-v1.zfo", m.delivery_info.data)]
        di.sha256 = m.delivery_info.sha256
        out.append(di)
        files.append((di, "dorucenka", f"DOD_{m.dm_id}.zfo"))
    doc = _Entity("Dokument", entity_id(m.prefix, m), m.message_id, ROLE_DOCUMENT,
                  DOCUMENT_DIR, "")
    out.append(doc)
    for k, ent in enumerate(out, start=before + 1):
        ent.name = f"{k:06d}.xml"
    zfo.xml = _file_xml(spec, before + 1, zfo, m.zfo_versions, m.zfo_name, zfo_names)
    if di is not None and m.delivery_info is not None:
        di.xml = _file_xml(spec, before + 2, di, [m.delivery_info], f"DOD_{m.dm_id}.zfo",
                           [di.binaries[0][0]])
    doc.xml = _document_xml(spec, before + len(out), doc, m, files)
    return out


def write_batch(entries: Iterable[MessageEntry], spec: BatchSpec, out: Path,
                progress: Callable[[int], None] | None = None) -> BatchResult:
    """Write the batch to ``out`` (atomically, `paths.atomic_writer`: all or nothing).

    Entity order: for each message its files first, then the document that links them (the
    order NSESSS prescribes for asynchronous transfers: contents before descriptions)."""
    check_system_id(spec.source, "the source system id (Zdroj)")
    check_system_id(spec.target, "the target system id (Cil)")
    if not 1 <= len(spec.batch_id) <= 40:
        raise RecordsError("the batch id must be 1-40 characters")
    if not 1 <= len(spec.operator) <= USER_MAX:
        raise RecordsError(f"the operator name must be 1-{USER_MAX} characters")
    entities: list[_Entity] = []
    message_ids: list[int] = []
    from dso_desktop.paths import atomic_writer

    out = Path(out)
    with atomic_writer(out) as fh, zipfile.ZipFile(
            fh, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        # One message at a time into the ZIP: only its own bytes are held in memory.
        for n, m in enumerate(entries, start=1):
            written = _message_entities(spec, m, len(entities))
            for ent in written:
                _write_entry(z, f"{ent.folder}/{ent.name}", ent.xml)
                for name, data in ent.binaries:
                    # ZFOs are already compressed CMS: stored, not deflated.
                    _write_entry(z, f"{ent.folder}/{DATA_DIR}/{name}", data,
                                 zipfile.ZIP_STORED)
                ent.binaries = []
            entities.extend(written)
            message_ids.append(m.message_id)
            if progress is not None:
                progress(n)
        if not entities:
            raise RecordsError("no messages to hand over")
        manifest = _manifest_xml(spec, entities)
        _write_entry(z, MANIFEST, manifest)
    records = tuple(
        EntityRecord(i, e.entity_type, e.entity_id, e.message_id, e.role,
                     f"{e.folder}/{e.name}", hashlib.sha256(e.xml).hexdigest(), e.sha256)
        for i, e in enumerate(entities, start=1))
    return BatchResult(out, spec.batch_id, hashlib.sha256(manifest).hexdigest(), records,
                       tuple(message_ids))


class _Utf8ZipInfo(zipfile.ZipInfo):
    """Annex 7: names in UTF-8 with the language-encoding flag (bit 11) set, also for ASCII
    names (zipfile sets it by itself only for non-ASCII ones, and resets ``flag_bits`` when
    it writes, so the flag is added where the name is encoded, for both headers)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("utf-8"), self.flag_bits | UTF8_FLAG


UTF8_FLAG = 0x800


def _write_entry(z: zipfile.ZipFile, name: str, data: bytes,
                 compress: int = zipfile.ZIP_DEFLATED) -> None:
    info = _Utf8ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compress
    info.external_attr = 0o600 << 16
    z.writestr(info, data)


# -- the confirmation ----------------------------------------------------------------------


@dataclass(frozen=True)
class EntityStatus:
    poradi: int
    entity_type: str
    entity_id: str
    status: str  # nacteno | nenacteno
    note: str | None


@dataclass(frozen=True)
class Confirmation:
    """A parsed `PrenosPotvrzeni`."""

    confirmed_at: datetime
    source: str  # ZdrojPotvrzeni: the system that confirms
    target: str  # CilPotvrzeni
    batch_id: str
    batch_source: str
    batch_target: str
    status: str  # nacteno | castecneNacteno | nenacteno
    note: str | None
    entities: tuple[EntityStatus, ...]


MAX_CONFIRMATION_BYTES = 20 * 1024 * 1024


def safe_parser() -> etree.XMLParser:
    """No DTD, no entities, no network: a confirmation is untrusted input."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


def _text(root: etree._Element, path: str, required: bool = True) -> str | None:
    e = root.find(path, {"a": API_NS})
    value = (e.text or "").strip() if e is not None else None
    if required and not value:
        raise ConfirmationError(f"the confirmation has no {path.replace('a:', '')}")
    return value or None


def _parse_time(value: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfirmationError(f"not a date and time: {value!r}") from None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def parse_confirmation(data: bytes) -> Confirmation:
    """Read a confirmation strictly: the namespace and every required element must be there.

    The schema allows exactly one `Entita` under `StatusEntit`; a confirmation of a whole
    batch lists every entity, so several are accepted (each one is still checked)."""
    if len(data) > MAX_CONFIRMATION_BYTES:
        raise ConfirmationError("the confirmation file is too large")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ConfirmationError("a confirmation with a DTD or entities is refused")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ConfirmationError(f"the confirmation is not well-formed XML: {exc}") from None
    if root.tag != _q("PrenosPotvrzeni"):
        raise ConfirmationError(f"not a PrenosPotvrzeni in namespace {API_NS}: {root.tag}")
    status = _text(root, "a:StatusPrenosu")
    if status not in (LOADED, PARTLY_LOADED, NOT_LOADED):
        raise ConfirmationError(f"unknown StatusPrenosu {status!r}")
    entities: list[EntityStatus] = []
    seen: set[int] = set()
    holder = root.find("a:StatusEntit", {"a": API_NS})
    if holder is None:
        raise ConfirmationError("the confirmation has no StatusEntit")
    for e in holder.findall("a:Entita", {"a": API_NS}):
        try:
            poradi = int(e.get("Poradi", ""))
        except ValueError:
            raise ConfirmationError("an Entita without a numeric Poradi") from None
        st = e.get("StatusPrenosu")
        if st not in (LOADED, NOT_LOADED):
            raise ConfirmationError(f"entity {poradi}: unknown StatusPrenosu {st!r}")
        if poradi < 1 or poradi in seen:
            raise ConfirmationError(f"entity {poradi} is listed twice or out of range")
        seen.add(poradi)
        entities.append(EntityStatus(poradi, e.get("TypEntity", ""), e.get("IdEntity", ""),
                                     st, e.get("Poznamka")))
    if not entities:
        raise ConfirmationError("the confirmation lists no entity")
    return Confirmation(
        confirmed_at=_parse_time(_text(root, "a:DatumCasPotvrzeni") or ""),
        source=_text(root, "a:ZdrojPotvrzeni") or "",
        target=_text(root, "a:CilPotvrzeni") or "",
        batch_id=_text(root, "a:PotvrzovanaDavka/a:DavkaId") or "",
        batch_target=_text(root, "a:PotvrzovanaDavka/a:Cil") or "",
        batch_source=_text(root, "a:PotvrzovanaDavka/a:Zdroj") or "",
        status=status, note=_text(root, "a:Poznamka", required=False),
        entities=tuple(entities))


@dataclass(frozen=True)
class WrittenEntity:
    """An entity as the batch was written (what a confirmation is checked against)."""

    poradi: int
    entity_type: str
    entity_id: str
    message_id: int | None


@dataclass(frozen=True)
class Outcome:
    loaded: dict[int, bool]  # message id -> every entity of it was loaded
    reasons: dict[int, list[str]]  # message id -> why not (per entity)
    entity_status: dict[int, tuple[str, str | None]]  # poradi -> (status, note) to keep


def decide(written: Sequence[WrittenEntity], c: Confirmation) -> Outcome:
    """What a confirmation means for the messages of the batch it confirms.

    Every listed entity must be one of the batch as written (same Poradi, type and id), and
    the batch status must not contradict an entity's. An entity counts as loaded when it is
    listed ``nacteno``, or unlisted in a batch confirmed ``nacteno`` as a whole (the
    standard's "successful and complete transfer"). A message is handed over only when every
    entity of it was loaded: in a partial or failed confirmation, an unlisted entity was not.
    Raises `ConfirmationError` (and nothing may be changed) when the document does not fit.
    """
    by_poradi = {e.poradi: e for e in written}
    listed: dict[int, EntityStatus] = {}
    for st in c.entities:
        ent = by_poradi.get(st.poradi)
        if ent is None or (ent.entity_type, ent.entity_id) != (st.entity_type, st.entity_id):
            raise ConfirmationError(f"entity {st.poradi} ({st.entity_type} {st.entity_id}) "
                                    f"is not in batch {c.batch_id} as written")
        if c.status == LOADED and st.status != LOADED:
            raise ConfirmationError("the batch is confirmed as loaded but entity "
                                    f"{st.poradi} as not loaded")
        if c.status == NOT_LOADED and st.status == LOADED:
            raise ConfirmationError("the batch is confirmed as not loaded but entity "
                                    f"{st.poradi} as loaded")
        listed[st.poradi] = st
    loaded: dict[int, bool] = {}
    reasons: dict[int, list[str]] = {}
    statuses: dict[int, tuple[str, str | None]] = {}
    for ent in sorted(written, key=lambda e: e.poradi):
        said = listed.get(ent.poradi)
        ok = said.status == LOADED if said is not None else c.status == LOADED
        if said is not None:
            statuses[ent.poradi] = (said.status, said.note)
        elif c.status == LOADED:
            statuses[ent.poradi] = (LOADED, None)
        if ent.message_id is None:
            continue
        loaded[ent.message_id] = loaded.get(ent.message_id, True) and ok
        if not ok:
            why = (said.note if said is not None and said.note else
                   "nenačteno" if said is not None else "v potvrzení neuvedeno")
            reasons.setdefault(ent.message_id, []).append(
                f"{ent.entity_type} {ent.entity_id}: {why}")
    return Outcome(loaded, reasons, statuses)


def confirmation_xml(c: Confirmation) -> bytes:
    """Write a confirmation (the loopback records service and tests use it)."""
    root = etree.Element(_q("PrenosPotvrzeni"), nsmap={None: API_NS})
    _el(root, "DatumCasPotvrzeni", xml_datetime(c.confirmed_at))
    _el(root, "ZdrojPotvrzeni", c.source)
    _el(root, "CilPotvrzeni", c.target)
    pd = _el(root, "PotvrzovanaDavka")
    _el(pd, "DavkaId", c.batch_id)
    _el(pd, "Cil", c.batch_target)
    _el(pd, "Zdroj", c.batch_source)
    if c.note:
        _el(root, "Poznamka", c.note)
    _el(root, "StatusPrenosu", c.status)
    holder = _el(root, "StatusEntit")
    for e in c.entities:
        attrs = {"Poradi": str(e.poradi), "TypEntity": e.entity_type, "IdEntity": e.entity_id,
                 "StatusPrenosu": e.status}
        if e.note:
            attrs["Poznamka"] = e.note[:NOTE_MAX]
        _el(holder, "Entita", **attrs)
    return _serialise(root)
