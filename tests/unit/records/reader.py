"""An independent reader of NSESSS Annex 7 transfer batches, written from the schema
(ermsExportPrenos.xsd) and Příloha 7 alone. It imports nothing from the export code: it is
what a receiving records system would do with the ZIP, so a test that compares its result
with the archive checks the batch, not the code against itself.

From the manifest (`Davka`) it walks every `Entita`, checks its `Otisk` with the algorithm
the manifest names, reads each `Export` document and rebuilds the list of messages: for a
`Dokument` the dmID (`Doruceni/ZasilkaInfo/dmID` for a received one,
`Vypraveni/ZasilkaInfo/dmID` for a sent one) and the files it links (`OdkazyNaSoubory`),
each resolved through the `Soubor` entities to its versions' bytes
(`AktualniVerze`/`StareVerze`, `dmLocalRelativePath` relative to the Soubor's XML).
"""

from __future__ import annotations

import hashlib
import posixpath
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

NS = {"a": "http://www.mvcr.cz/nsesss/2023/api"}
ALGORITHMS = {"http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
              "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
              "http://www.w3.org/2001/04/xmlenc#sha512": "sha512"}


class BatchProblem(AssertionError):
    pass


@dataclass
class ReadFile:
    identifier: str
    meta_type: str
    description: str
    versions: list[tuple[int, bytes]]  # (Verze, bytes), oldest first


@dataclass
class ReadMessage:
    dm_id: str
    received: bool
    identifier: str
    title: str | None
    files: list[ReadFile] = field(default_factory=list)

    def file(self, meta_type: str) -> ReadFile | None:
        return next((f for f in self.files if f.meta_type == meta_type), None)


@dataclass
class ReadBatch:
    batch_id: str
    source: str
    target: str
    messages: list[ReadMessage]
    entity_count: int


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def check_container(path: Path) -> None:
    """Příloha 7's rules for the ZIP itself."""
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        if "manifest.xml" not in names:
            raise BatchProblem("no manifest.xml at the root")
        for i in infos:
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise BatchProblem(f"{i.filename}: compression {i.compress_type}")
            if i.flag_bits & 0x1:
                raise BatchProblem(f"{i.filename}: encrypted")
            if not i.flag_bits & 0x800:
                raise BatchProblem(f"{i.filename}: UTF-8 flag missing (central directory)")
            local_flags = struct.unpack("<H", raw[i.header_offset + 6:i.header_offset + 8])[0]
            if not local_flags & 0x800:
                raise BatchProblem(f"{i.filename}: UTF-8 flag missing (local header)")
            if i.filename != "manifest.xml" and "/" not in i.filename:
                raise BatchProblem(f"{i.filename}: data files belong in subfolders")
            if i.filename.startswith("/") or ".." in i.filename.split("/"):
                raise BatchProblem(f"{i.filename}: unsafe path")
        if z.testzip() is not None:
            raise BatchProblem("a member fails its CRC")


def read_batch(path: Path) -> ReadBatch:
    check_container(path)
    with zipfile.ZipFile(path) as z:
        manifest = _parse(z.read("manifest.xml"))
        if manifest.tag != f"{{{NS['a']}}}Davka":
            raise BatchProblem(f"manifest root is {manifest.tag}")
        obsah = manifest.find("a:Obsah", NS)
        assert obsah is not None
        algo = ALGORITHMS.get(obsah.get("HashAlgorithm", ""))
        if algo is None:
            raise BatchProblem(f"unknown HashAlgorithm {obsah.get('HashAlgorithm')!r}")
        documents: list[tuple[str, etree._Element]] = []
        files: dict[str, ReadFile] = {}
        entities = obsah.findall("a:Entita", NS)
        for e in entities:
            member = posixpath.join(e.get("Umisteni", ""), e.get("Jmeno", ""))
            data = z.read(member)
            otisk = e.get("Otisk")
            if otisk is None or hashlib.new(algo, data).hexdigest() != otisk.lower():
                raise BatchProblem(f"{member}: Otisk does not match")
            root = _parse(data)
            if root.tag != f"{{{NS['a']}}}Export":
                raise BatchProblem(f"{member}: root is {root.tag}")
            if root.get("PoradiVDavce") != e.get("Poradi"):
                raise BatchProblem(f"{member}: PoradiVDavce differs from the manifest")
            kind = e.get("TypEntity")
            body = root.find(f"a:{kind}", NS)
            if body is None:
                raise BatchProblem(f"{member}: no {kind} element")
            ident = body.findtext("a:Identifikator/a:HodnotaID", namespaces=NS)
            if ident != e.get("IdEntity"):
                raise BatchProblem(f"{member}: IdEntity differs from the manifest")
            if kind == "Dokument":
                documents.append((member, body))
            elif kind == "Soubor":
                folder = posixpath.dirname(member)
                versions: list[tuple[int, bytes]] = []
                for loc in [*body.findall("a:StareVerze/a:StaraVerze", NS),
                            body.find("a:AktualniVerze", NS)]:
                    if loc is None:
                        continue
                    rel = posixpath.join(folder, loc.findtext("a:dmLocalRelativePath",
                                                              namespaces=NS) or "",
                                         loc.findtext("a:dmLocalFileName", namespaces=NS)
                                         or "")
                    versions.append((int(loc.findtext("a:Verze", namespaces=NS) or 0),
                                     z.read(posixpath.normpath(rel))))
                versions.sort(key=lambda v: v[0])
                files[ident] = ReadFile(ident, "", "", versions)
        messages: list[ReadMessage] = []
        for _member, doc in documents:
            received = doc.find("a:Doruceni", NS) is not None
            info = "a:Doruceni/a:ZasilkaInfo/a:dmID" if received else \
                "a:Vypraveni/a:ZasilkaInfo/a:dmID"
            dm_id = doc.findtext(info, namespaces=NS)
            if not dm_id:
                raise BatchProblem("a Dokument without a dmID")
            msg = ReadMessage(dm_id, received,
                              doc.findtext("a:Identifikator/a:HodnotaID", namespaces=NS) or "",
                              doc.findtext("a:Nazev", namespaces=NS))
            for link in doc.findall("a:OdkazyNaSoubory/a:dmFileLink", NS):
                fid = link.findtext("a:Identifikator/a:HodnotaID", namespaces=NS) or ""
                if fid not in files:
                    raise BatchProblem(f"document {dm_id} links a file not in the batch")
                f = files[fid]
                msg.files.append(ReadFile(fid, link.get("dmFileMetaType", ""),
                                          link.get("dmFileDescr", ""), f.versions))
            messages.append(msg)
        return ReadBatch(manifest.findtext("a:DavkaId", namespaces=NS) or "",
                         manifest.findtext("a:Zdroj", namespaces=NS) or "",
                         manifest.findtext("a:Cil", namespaces=NS) or "", messages,
                         len(entities))
