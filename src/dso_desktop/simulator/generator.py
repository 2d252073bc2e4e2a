"""Deterministic generator of a Czech data-box world: organisations, people, messages."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dso_desktop.domain import owner_name
from dso_desktop.simulator import names
from dso_desktop.simulator.files import KINDS, MAX_ZIP_SIZE, MIME_TYPES, MIN_SIZE
from dso_desktop.simulator.model import (
    PRIVIL_ALL,
    PRIVIL_CREATE_DM,
    PRIVIL_OWNER_ADM,
    PRIVIL_READ_ALL,
    PRIVIL_READ_NON_PERSONAL,
    PRIVIL_SEARCH_DB,
    PRIVIL_VIEW_INFO,
    Box,
    Message,
    StoredFile,
    User,
)
from dso_desktop.simulator.world import EV_TEXT, World

DEMO_BOX_NAME = "Obec Lhota pod Lesem"
_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_KIND_WEIGHTS = (50, 10, 10, 10, 10, 10)  # pdf, docx, odt, xml, txt, png


@dataclass(frozen=True)
class GeneratedAccount:
    username: str
    password: str
    box_id: str
    box_type: str
    login_method: str
    description: str


class _Ids:
    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.taken: set[str] = set()

    def make(self, length: int, alphabet: str = _ID_ALPHABET) -> str:
        while True:
            value = "".join(self.rnd.choice(alphabet) for _ in range(length))
            if value not in self.taken and not value.isdigit():
                self.taken.add(value)
                return value


def _ico(rnd: random.Random) -> str:
    """An IČO with a valid mod-11 check digit."""
    digits = [rnd.randrange(10) for _ in range(7)]
    s = sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (11 - s % 11) % 10
    return "".join(map(str, digits)) + str(check)


def _person(rnd: random.Random) -> tuple[str, str, bool]:
    female = rnd.random() < 0.5
    first = rnd.choice(names.FIRST_NAMES_F if female else names.FIRST_NAMES_M)
    last = rnd.choice(names.SURNAMES)[1 if female else 0]
    return first, last, female


def _address(rnd: random.Random, town: tuple[str, str, str] | None = None) -> dict[str, Any]:
    city, zip_code, district = town or rnd.choice(names.TOWNS)
    return {
        "city": city, "zip_code": zip_code, "district": district,
        "street": rnd.choice(names.STREETS),
        "number_in_municipality": str(rnd.randint(1, 2999)),
        "number_in_street": str(rnd.randint(1, 80)) if rnd.random() < 0.6 else "",
    }


def _password(rnd: random.Random) -> str:
    return "Heslo-" + "".join(rnd.choice(_ID_ALPHABET) for _ in range(6)) + "7"


def build_world(seed: int = 0, messages: int = 0, *, now: datetime | None = None,
                days: int | None = None) -> tuple[World, list[GeneratedAccount]]:
    """Build the whole world from ``seed``; envelopes are eager, file bytes lazy.

    This is the generator the benchmarks time (100,000 messages take a few seconds).
    The same ``seed``, ``messages`` and ``now`` give the same world.

    ``messages`` received/sent messages of the demo municipality spread over ``days``
    (default: 120 days, up to 365 for large worlds) before ``now``.
    """
    if now is None:
        from datetime import UTC

        now = datetime.now(UTC)
    rnd = random.Random(seed)  # noqa: S311 (deterministic data, not crypto)
    ids = _Ids(rnd)
    world = World(seed=seed)
    accounts: list[GeneratedAccount] = []

    # The demo municipality and its users.
    village = "Lhota pod Lesem"
    demo = world.add_box(Box(
        box_id=ids.make(7), box_type="OVM", name=DEMO_BOX_NAME, city=village,
        street="", number_in_street="", number_in_municipality="1", zip_code="257 41",
        district="Benešov", ico=_ico(rnd), effective_ovm=True, id_ovm=str(rnd.randint(10000,
                                                                                         99999)),
        vault_type=0,
    ))
    pw_expiry = now + timedelta(days=80)

    def add_user(box: Box, method: str, user_type: str, privileges: int, desc: str,
                 *, username: str | None = None, password: str | None = None) -> User:
        first, last, _ = _person(rnd)
        user = world.add_user(User(
            username=username or ids.make(6), password=_password(rnd) if password is None
            else password, isds_id=ids.make(12), box_id=box.box_id, user_type=user_type,
            privileges=privileges, login_method=method, first_name=first, last_name=last,
            password_expires=pw_expiry, phone=f"+420 7{rnd.randint(10000000, 99999999)}",
        ))
        if method in ("cert", "hosted"):
            user.password_expires = None  # certificate logins carry no password to expire
        if method == "hotp":
            user.hotp_secret = rnd.randbytes(20).hex()
        if method == "mobile-key":
            user.mobile_code = "".join(rnd.choice("0123456789") for _ in range(8))
        accounts.append(GeneratedAccount(user.username, user.password, box.box_id,
                                         box.box_type, method, desc))
        return user

    clerk_rights = (PRIVIL_READ_ALL | PRIVIL_READ_NON_PERSONAL | PRIVIL_CREATE_DM
                    | PRIVIL_VIEW_INFO | PRIVIL_SEARCH_DB)
    add_user(demo, "password", "ENTRUSTED_USER", clerk_rights, "referentka obecního úřadu")
    add_user(demo, "totp", "PRIMARY_USER", PRIVIL_ALL, "starosta (SMS kód)")
    add_user(demo, "mobile-key", "ENTRUSTED_USER", clerk_rights, "místostarostka (Mobilní klíč)")
    add_user(demo, "hotp", "ENTRUSTED_USER", clerk_rights, "účetní (HOTP)")
    add_user(demo, "cert", "ENTRUSTED_USER", clerk_rights, "spisová služba (systémový certifikát)",
             password="")
    add_user(demo, "cert-password", "ENTRUSTED_USER", clerk_rights,
             "podatelna (certifikát a heslo)")
    add_user(demo, "hosted", "ENTRUSTED_USER", clerk_rights, "hostovaná spisová služba",
             username=demo.box_id, password="")
    add_user(demo, "password", "ENTRUSTED_USER",
             PRIVIL_READ_NON_PERSONAL | PRIVIL_VIEW_INFO, "asistentka (bez práva č. 2)")
    add_user(demo, "password", "ADMINISTRATOR", PRIVIL_OWNER_ADM, "administrátor (jen správa)")

    # Counterparts: offices, companies, self-employed people, citizens.
    counterparts: list[Box] = []
    for office, btype, town_name in names.OVM_OFFICES:
        town = next(t for t in names.TOWNS if t[0] == town_name)
        counterparts.append(world.add_box(Box(
            box_id=ids.make(7), box_type=btype, name=office, ico=_ico(rnd), effective_ovm=True,
            id_ovm=str(rnd.randint(10000, 99999)), **_address(rnd, town))))
    for _ in range(24):
        stem = rnd.choice(names.COMPANY_STEMS)
        owner = rnd.choice(names.SURNAMES)[0]
        name = f"{stem} {owner} {rnd.choice(names.COMPANY_FORMS)}"
        counterparts.append(world.add_box(Box(
            box_id=ids.make(7), box_type="PO", name=name, ico=_ico(rnd),
            credit=rnd.choice((0, 100, 500, 2000)), **_address(rnd))))
    for btype, title, degree in names.PFO_KINDS * 2:
        first, last, _ = _person(rnd)
        label = f"{degree} {first} {last}".strip()
        if title:
            label += f", {title}"
        counterparts.append(world.add_box(Box(
            box_id=ids.make(7), box_type=btype, name=label, ico=_ico(rnd), first_name=first,
            last_name=last, birth_date=f"{rnd.randint(1950, 1995)}-0{rnd.randint(1, 9)}-1"
            f"{rnd.randint(0, 9)}", credit=rnd.choice((0, 200)), **_address(rnd))))
    for _ in range(20):
        first, last, _ = _person(rnd)
        counterparts.append(world.add_box(Box(
            box_id=ids.make(7), box_type="FO", name=owner_name(None, first, last) or "",
            first_name=first,
            last_name=last, birth_date=f"{rnd.randint(1940, 2000)}-1{rnd.randint(0, 2)}-2"
            f"{rnd.randint(0, 8)}", birth_city=rnd.choice(names.TOWNS)[0],
            **_address(rnd))))
    # An inaccessible box, so undeliverable messages can be shown.
    gone = counterparts[-1]
    gone.state = 4
    firm_box = next(b for b in counterparts if b.box_type == "PO")
    firm_box.credit = 5000
    add_user(firm_box, "password", "PRIMARY_USER", PRIVIL_ALL, "protistrana: firma (PO)")
    citizen = next(b for b in counterparts if b.box_type == "FO")
    add_user(citizen, "password", "PRIMARY_USER", PRIVIL_ALL, "protistrana: občan (FO)")
    add_user(counterparts[0], "password", "ENTRUSTED_USER", clerk_rights, "protistrana: úřad (OVM)")

    generate_messages(world, rnd, demo, [b for b in counterparts if b.state == 1], messages,
                      now=now, days=days)
    return world, accounts


def _subject(rnd: random.Random, sender: Box, outgoing: bool) -> str:
    pool: tuple[str, ...]
    if outgoing:
        pool = names.SUBJECTS_SENT
    elif sender.is_ovm:
        pool = names.SUBJECTS_FROM_OVM
    elif sender.box_type == "FO":
        pool = names.SUBJECTS_FROM_FO
    else:
        pool = names.SUBJECTS_FROM_PO
    return rnd.choice(pool).format(n=rnd.randint(1, 999), year=rnd.randint(2023, 2026),
                                   village=rnd.choice(names.VILLAGES))


def _files(rnd: random.Random, subject: str, count: int) -> list[StoredFile]:
    out = []
    taken: set[str] = set()
    for i in range(count):
        kind = "pdf" if i == 0 and rnd.random() < 0.8 else rnd.choices(KINDS, _KIND_WEIGHTS)[0]
        stem = rnd.choice(names.FILE_STEMS)
        name = f"{stem}.{kind}" if stem not in taken else f"{stem}_{i + 1}.{kind}"
        taken.add(stem)
        limit = MAX_ZIP_SIZE if kind in ("docx", "odt") else 400_000
        size = min(limit, int(MIN_SIZE * (1 + rnd.paretovariate(2.5))))
        out.append(StoredFile(name=name, mime=MIME_TYPES[kind],
                              meta_type="main" if i == 0 else "enclosure", size=size,
                              kind=kind, seed=rnd.getrandbits(32), title=subject))
    return out


def _reference(rnd: random.Random, prefix: str) -> str:
    return f"{prefix} {rnd.randint(1, 3999)}/{rnd.randint(2023, 2026)}"


def generate_messages(world: World, rnd: random.Random, demo: Box, others: list[Box],
                      count: int, *, now: datetime, days: int | None = None) -> None:
    """``count`` messages between the demo box and the others, states as their age implies."""
    if count <= 0:
        return
    span = timedelta(days=days or (120 if count <= 5000 else 365))
    times = sorted(now - span * rnd.random() for _ in range(count))
    for posted in times:
        other = rnd.choice(others)
        outgoing = rnd.random() < 0.3
        sender, recipient = (demo, other) if outgoing else (other, demo)
        subject = _subject(rnd, sender, outgoing)
        legal = rnd.choice(names.LEGAL_TITLES) if sender.is_ovm and rnd.random() < 0.4 else (
            None, None, None, None, None)
        msg = Message(
            dm_id=world.new_dm_id(), sender_id=sender.box_id, recipient_id=recipient.box_id,
            annotation=subject, posted_at=posted,
            sender_ref=_reference(rnd, "MULPL" if outgoing else "Č.j.") if sender.is_ovm
            else None,
            recipient_ref=_reference(rnd, "MULPL") if not outgoing and rnd.random() < 0.2
            else None,
            sender_ident=f"SZ {rnd.randint(1, 99)}/{rnd.randint(2023, 2026)}"
            if rnd.random() < 0.2 else None,
            to_hands=" ".join(_person(rnd)[:2]) if rnd.random() < 0.1 else None,
            legal=legal, personal_delivery=rnd.random() < 0.05,
            allow_fiction=rnd.random() < 0.97, dm_type="V",
            files=_files(rnd, subject, rnd.choice((1, 1, 1, 2, 2, 3))),
        )
        msg.events.append((posted, EV_TEXT["EV0"]))
        msg.set_status(1, posted)
        msg.set_status(2, posted)
        delivered = posted + timedelta(seconds=rnd.randint(1, 20))
        msg.delivered_at = delivered
        msg.set_status(4, delivered)
        msg.events.append((delivered, EV_TEXT["EV5"]))
        age = now - delivered
        fiction_at = delivered + timedelta(days=10)
        if age > timedelta(days=80) or (age > timedelta(days=10) and rnd.random() < 0.3):
            if msg.allow_fiction:
                msg.accepted_at = fiction_at
                msg.set_status(5, fiction_at)
                msg.events.append((fiction_at, EV_TEXT["EV2"]))
        elif age > timedelta(hours=2) and rnd.random() < 0.85:
            accepted = min(now, delivered + timedelta(hours=rnd.randint(1, 200)))
            if accepted < fiction_at:
                msg.accepted_at = accepted
                msg.set_status(6, accepted)
                msg.events.append((accepted, EV_TEXT["EV11"] if rnd.random() < 0.3
                                   else EV_TEXT["EV12"]))
        if msg.status == 4 and msg.allow_fiction and now >= fiction_at:
            msg.accepted_at = fiction_at  # nobody logged in within ten days
            msg.set_status(5, fiction_at)
            msg.events.append((fiction_at, EV_TEXT["EV2"]))
        if msg.status in (5, 6) and rnd.random() < 0.7:
            msg.set_status(7, min(now, (msg.accepted_at or now) + timedelta(hours=1)))
        world.add_message(msg)
