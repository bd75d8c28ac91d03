"""A realistic address book for the fake People API: the demo, tests and benchmarks.

People as a Dubai brokerage's agents save them: names from the Gulf and the wider Arab
world (in Arabic script, with and without diacritics and with every alef form, and in
Latin spellings that disagree: Mohammed, Mohamed, Muhammad), South Asia, the
Philippines, Europe (accents included), East Asia and elsewhere; often a word of
context ("Tenant 1203", "Owner Villa 12"). Numbers written every way people write
them: +971 50 123 4567, 00971..., 050-123-4567, (04) 234 5678, Arabic-Indic digits,
extensions, and a few that are not numbers at all.

Every number is in a range no real person answers: UAE mobiles +971 5X 123 XXXX (the
range this project uses for examples), the UK's 020 7946 0XXX drama range, the US
555-01XX range and Australia's fictional 0491 570 XXX numbers. Emails are at
example.com / example.org / example.net. Deterministic under a seed.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Person = dict[str, Any]

# --- names ------------------------------------------------------------------------------

# (Arabic script, Latin spellings): the same name as people save it.
_ARAB_GIVEN_MEN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("محمد", ("Mohammed", "Mohamed", "Muhammad", "Mohammad")),
    ("مُحَمَّد", ("Mohammed",)),
    ("أحمد", ("Ahmed", "Ahmad")),
    ("احمد", ("Ahmed",)),
    ("إبراهيم", ("Ibrahim", "Ebrahim")),
    ("ابراهيم", ("Ibrahim",)),
    ("عبدالله", ("Abdullah", "Abdallah")),
    ("عَبْدُ الله", ("Abdullah",)),
    ("خالد", ("Khalid", "Khaled")),
    ("سعيد", ("Saeed", "Said")),
    ("راشد", ("Rashid", "Rashed")),
    ("حمدان", ("Hamdan",)),
    ("سلطان", ("Sultan",)),
    ("يوسف", ("Yousef", "Youssef", "Yusuf")),
    ("عمر", ("Omar", "Umar")),
    ("عُمَر", ("Omar",)),
    ("علي", ("Ali",)),
    ("حسن", ("Hassan", "Hasan")),
    ("مصطفى", ("Mustafa", "Moustafa")),
    ("طارق", ("Tariq", "Tarek")),
    ("زايد", ("Zayed",)),
    ("ماجد", ("Majid", "Majed")),
)
_ARAB_GIVEN_WOMEN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("فاطمة", ("Fatima", "Fatma")),
    ("فَاطِمَة", ("Fatima",)),
    ("عائشة", ("Aisha", "Ayesha")),
    ("مريم", ("Maryam", "Mariam")),
    ("مَرْيَم", ("Maryam",)),
    ("آمنة", ("Amna", "Amina")),
    ("نورة", ("Noura", "Nora")),
    ("شيماء", ("Shaima", "Shaimaa")),
    ("هند", ("Hind",)),
    ("ليلى", ("Layla", "Leila")),
    ("سارة", ("Sara", "Sarah")),
    ("إيمان", ("Eman", "Iman")),
    ("ايمان", ("Eman",)),
    ("رنا", ("Rana",)),
)
_ARAB_FAMILY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("الهاشمي", ("Al Hashemi", "Al-Hashimi")),
    ("المنصوري", ("Al Mansoori", "Al Mansouri")),
    ("الفلاسي", ("Al Falasi",)),
    ("المزروعي", ("Al Mazrouei",)),
    ("الشامسي", ("Al Shamsi",)),
    ("الكعبي", ("Al Kaabi",)),
    ("النعيمي", ("Al Nuaimi",)),
    ("الظاهري", ("Al Dhaheri",)),
    ("البلوشي", ("Al Balushi",)),
    ("حداد", ("Haddad",)),
    ("خوري", ("Khoury", "Khouri")),
    ("نصار", ("Nassar",)),
    ("عبد الرحمن", ("Abdelrahman", "Abdul Rahman")),
    ("إسماعيل", ("Ismail",)),
    ("اسماعيل", ("Ismail",)),
    ("الأنصاري", ("Al Ansari",)),
    ("الانصاري", ("Al Ansari",)),
)
_SOUTH_ASIAN_GIVEN = (
    "Priya", "Rajesh", "Anil", "Sunita", "Vikram", "Deepa", "Arjun", "Kavya", "Sanjay",
    "Pooja", "Rahul", "Neha", "Imran", "Ayesha", "Bilal", "Sana", "Faisal", "Zainab",
    "Tharindu", "Nirmala", "Suresh", "Lakshmi", "Harpreet", "Gurpreet", "Muhammad Asif",
    "Shahid", "Rukhsana", "Aravind", "Meenakshi", "Ramesh",
)  # fmt: skip
_SOUTH_ASIAN_FAMILY = (
    "Sharma", "Kumar", "Patel", "Nair", "Menon", "Iyer", "Reddy", "Singh", "Khan",
    "Qureshi", "Siddiqui", "Chaudhry", "Perera", "Fernando", "Pillai", "Gupta", "Das",
    "Rahman", "Hossain", "Thapa", "Gurung", "D'Souza", "Rao", "Shah",
)  # fmt: skip
_FILIPINO_GIVEN = (
    "Maria", "Jose", "Juan", "Ana", "Mark Anthony", "Jennifer", "Rodel", "Marites",
    "Joy", "Rowena", "Jonathan", "Cristina", "Ramil", "Lourdes", "Maricel", "Arnel",
)  # fmt: skip
_FILIPINO_FAMILY = (
    "Santos", "Reyes", "Cruz", "Dela Cruz", "Bautista", "Garcia", "Mendoza", "Aquino",
    "Villanueva", "Ramos", "Castillo", "Del Rosario", "Magsaysay", "Manalo",
)  # fmt: skip
_EUROPEAN = (
    ("José", "García"), ("Zoë", "Müller"), ("François", "Lefèvre"), ("Łukasz", "Wróbel"),
    ("Søren", "Østergaard"), ("Anaïs", "Dubois"), ("Jürgen", "Schäfer"), ("Inés", "Núñez"),
    ("Björn", "Åkesson"), ("Chloé", "Rousseau"), ("João", "Gonçalves"), ("Ольга", "Иванова"),
    ("Dmitri", "Volkov"), ("Siobhán", "O'Brien"), ("Tomáš", "Dvořák"), ("Élodie", "Moreau"),
    ("Ömer", "Yılmaz"), ("Ayşe", "Kaya"), ("Giulia", "Rossi"), ("Matteo", "Bianchi"),
    ("James", "Smith"), ("Emily", "Clarke"), ("Oliver", "Hughes"), ("Sophie", "Turner"),
    ("Νίκος", "Παπαδόπουλος"), ("Małgorzata", "Kowalska"), ("Ingrid", "Hæggström"),
)  # fmt: skip
# East Asian names as written: family name first, in their own script or romanised.
_EAST_ASIAN = (
    "王伟", "李娜", "张敏", "刘洋", "陈静", "Wang Wei", "Li Na", "Zhang Min",
    "Kim Min-jun", "Lee Ji-eun", "Park Seo-yeon", "김민준", "이지은", "佐藤 健",
    "鈴木 花子", "Sato Ken", "Tanaka Yuki", "Nguyễn Văn An", "Trần Thị Hoa",
)  # fmt: skip
_OTHER = (
    ("Chinedu", "Okafor"), ("Amara", "Nwosu"), ("Kwame", "Mensah"), ("Wanjiru", "Kamau"),
    ("Abebe", "Bekele"), ("Thabo", "Nkosi"), ("Carlos", "Pérez"), ("Lucía", "Fernández"),
    ("Farhad", "Karimi"), ("Shirin", "Ahmadi"), ("Aigerim", "Nurlanova"),
)  # fmt: skip
_CONTEXT = (
    "Tenant 1203", "Owner Villa 12", "Landlord JLT", "Buyer (Marina)", "Plumber",
    "Marina Heights", "Viewing Sat", "JVC lead", "Downtown 2BR", "Agent", "Handyman",
    "Building Security", "Mortgage advisor", "(Owner)", "Tenant", "Investor",
)  # fmt: skip
_BUSINESSES = (
    "Marina Heights — Building Manager", "Al Noor Maintenance", "Sunrise Movers",
    "Palm View Facilities", "Creek Side Interiors", "Desert Rose Cleaning",
    "Blue Lagoon Pest Control", "شركة النور للصيانة", "مكتب الريم العقاري",
)  # fmt: skip

_LABELS = (
    "Clients", "Tenants", "Landlords", "Buyers", "Agents", "Suppliers", "VIP",
    "Marina Heights", "JVC Leads", "عملاء", "Viewings",
)  # fmt: skip

# --- numbers ------------------------------------------------------------------------------

UAE_MOBILE_PREFIXES = ("50", "52", "54", "55", "56", "58")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_AU_FICTIONAL = ("006", "156", "157", "158", "159", "110", "313", "737")
_NOT_NUMBERS = ("050-123", "12345", "0000", "050 CALL NOW", "N/A", "see email", "+971 50 123")


def uae_mobile(index: int) -> str:
    """The index-th example UAE mobile number in E.164: +971 5X 123 XXXX (60,000 of them)."""
    index %= len(UAE_MOBILE_PREFIXES) * 10_000
    prefix = UAE_MOBILE_PREFIXES[index // 10_000]
    return f"+971{prefix}123{index % 10_000:04d}"


def written_uae_mobile(e164: str, rng: random.Random) -> str:
    """An example UAE mobile (E.164) written the way someone might have saved it."""
    prefix, rest = e164[4:6], e164[6:]  # "50", "1234567"
    a, b = rest[:3], rest[3:]
    style = rng.randrange(12)
    if style == 0:
        return f"+971 {prefix} {a} {b}"
    if style == 1:
        return e164
    if style == 2:
        return f"00971{prefix}{rest}"
    if style == 3:
        return f"0{prefix}-{a}-{b}"
    if style == 4:
        return f"0{prefix} {a} {b}"
    if style == 5:
        return f"0{prefix}{rest}"
    if style == 6:
        return f"+971-{prefix}-{a}-{b}"
    if style == 7:
        return f"(0{prefix}) {a} {b}"
    if style == 8:
        return f"+971 (0){prefix} {a} {b}"
    if style == 9:
        return f"0{prefix}{rest}".translate(_ARABIC_INDIC)
    if style == 10:
        return f"00 971 {prefix} {a} {b}"
    return f"+971.{prefix}.{a}.{b}"


def _extension(rng: random.Random) -> str:
    return rng.choice((" ext. ", " x", " ext ", ";ext=", " #")) + str(rng.randrange(10, 999))


def _landline(rng: random.Random) -> str:
    """A Dubai, Abu Dhabi or Sharjah office line in the 123 XXXX style: there is no
    example range for UAE landlines, and these are not valid numbers, so they are
    kept as written (as a real address book's odd entries are)."""
    digits = f"123{rng.randrange(10_000):04d}"
    area = rng.choice(("4", "2", "6"))
    style = rng.randrange(3)
    if style == 0:
        text = f"(0{area}) {digits[:3]} {digits[3:]}"
    elif style == 1:
        text = f"0{area} {digits[:3]} {digits[3:]}"
    else:
        text = f"+971 {area} {digits[:3]} {digits[3:]}"
    return text + (_extension(rng) if rng.random() < 0.3 else "")


def _office_abroad(rng: random.Random) -> str:
    """A London office line in Ofcom's drama range, often with an extension."""
    text = f"+44 20 7946 0{rng.randrange(1000):03d}"
    return text + (_extension(rng) if rng.random() < 0.5 else "")


def _foreign(rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"0044 20 7946 0{rng.randrange(1000):03d}"
    if style == 1:
        return f"+1 202-555-01{rng.randrange(100):02d}"
    return f"+61 491 570 {rng.choice(_AU_FICTIONAL)}"


# --- people -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressBook:
    """People (as the People API returns them, without etags) and their contact groups."""

    people: list[Person]
    groups: list[dict[str, Any]]


def _latin_email_name(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)  # é -> e + accent, dropped below
    keep = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "." for ch in plain)
    return ".".join(part for part in keep.split(".") if part) or "contact"


def _name(rng: random.Random) -> tuple[str, str, str, str]:
    """(display name, given name, family name, Latin name for an email address)."""
    culture = rng.random()
    if culture < 0.34:
        given = rng.choice(_ARAB_GIVEN_MEN if rng.random() < 0.6 else _ARAB_GIVEN_WOMEN)
        family = rng.choice(_ARAB_FAMILY)
        latin = f"{rng.choice(given[1])} {rng.choice(family[1])}"
        if rng.random() < 0.55:
            return f"{given[0]} {family[0]}", given[0], family[0], latin
        return latin, latin.split(" ", 1)[0], latin.split(" ", 1)[1], latin
    if culture < 0.58:
        given_s, family_s = rng.choice(_SOUTH_ASIAN_GIVEN), rng.choice(_SOUTH_ASIAN_FAMILY)
    elif culture < 0.70:
        given_s, family_s = rng.choice(_FILIPINO_GIVEN), rng.choice(_FILIPINO_FAMILY)
    elif culture < 0.84:
        given_s, family_s = rng.choice(_EUROPEAN)
    elif culture < 0.93:
        full = rng.choice(_EAST_ASIAN)
        family_s, _, given_s = full.partition(" ")
        if not given_s:  # written without a space: one family character, then the given name
            family_s, given_s = full[:1], full[1:]
        return full, given_s, family_s, f"contact{rng.randrange(10_000)}"
    else:
        given_s, family_s = rng.choice(_OTHER)
    return f"{given_s} {family_s}", given_s, family_s, f"{given_s} {family_s}"


def _phone_entry(value: str, kind: str) -> dict[str, str]:
    return {"value": value, "type": kind, "formattedType": kind.capitalize()}


def generate_address_book(count: int, seed: int = 0) -> AddressBook:
    """``count`` people with groups, the same for the same seed.

    Every person has a unique main mobile number (up to 60,000 people; beyond that
    the numbers repeat, as family members share one).
    """
    rng = random.Random(seed)
    groups = [
        {
            "resourceName": f"contactGroups/{index + 1:x}a{seed % 1000:03d}",
            "name": label,
            "formattedName": label,
            "groupType": "USER_CONTACT_GROUP",
        }
        for index, label in enumerate(_LABELS)
    ]
    slots = len(UAE_MOBILE_PREFIXES) * 10_000
    numbers = list(range(min(count, slots)))
    rng.shuffle(numbers)
    start = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    used_ids: set[int] = set()
    people: list[Person] = []
    for index in range(count):
        person_id = rng.randrange(10**18, 10**19)
        while person_id in used_ids:
            person_id = rng.randrange(10**18, 10**19)
        used_ids.add(person_id)
        person: Person = {"resourceName": f"people/c{person_id}"}

        roll = rng.random()
        if roll < 0.04:
            name = rng.choice(_BUSINESSES)
            person["names"] = [{"displayName": name, "unstructuredName": name}]
            email_name = f"office{index}"
        elif roll < 0.06:
            email_name = ""  # a number saved without a name
        else:
            display, given, family, email_name = _name(rng)
            if rng.random() < 0.18:
                display = f"{display} {rng.choice(_CONTEXT)}"
            person["names"] = [
                {
                    "displayName": display,
                    "givenName": given,
                    "familyName": family,
                    "unstructuredName": display,
                }
            ]

        main = uae_mobile(numbers[index % len(numbers)])
        phones = [_phone_entry(written_uae_mobile(main, rng), "mobile")]
        extra = rng.random()
        if extra < 0.03:
            phones.append(_phone_entry(_landline(rng), "work"))
        elif extra < 0.08:
            phones.append(_phone_entry(_office_abroad(rng), "work"))
        elif extra < 0.12:
            phones.append(_phone_entry(_foreign(rng), "home"))
        elif extra < 0.15:
            phones.append(_phone_entry(rng.choice(_NOT_NUMBERS), "other"))
        elif extra < 0.17:
            other = uae_mobile(rng.randrange(slots))
            phones.append(_phone_entry(written_uae_mobile(other, rng), "work"))
        if rng.random() < 0.01:
            phones = [_phone_entry(rng.choice(_NOT_NUMBERS), "mobile")]  # no usable number
        person["phoneNumbers"] = phones

        if email_name and rng.random() < 0.4:
            domain = rng.choice(("example.com", "example.org", "example.net"))
            person["emailAddresses"] = [
                {"value": f"{_latin_email_name(email_name)}{rng.randrange(100)}@{domain}"}
            ]
        chosen = rng.sample(groups, k=rng.choice((0, 0, 1, 1, 1, 2)))
        memberships = [
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/myContacts"}}
        ]
        memberships += [
            {"contactGroupMembership": {"contactGroupResourceName": group["resourceName"]}}
            for group in chosen
        ]
        person["memberships"] = memberships
        updated = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
        person["metadata"] = {
            "sources": [
                {
                    "type": "CONTACT",
                    "id": f"{person_id:x}",
                    "updateTime": updated.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                }
            ],
            "objectType": "PERSON",
        }
        people.append(person)
    return AddressBook(people=people, groups=groups)
