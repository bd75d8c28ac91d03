"""Contact search as an operator uses it: forgiving about how a name or number is typed,
ranked the same way every time, current as syncs land, and never thrown by odd input."""

from __future__ import annotations

import random

import pytest

from linda_tui.contacts import search as search_module
from linda_tui.contacts import typos, vocabulary
from linda_tui.contacts.normalise import fold
from linda_tui.contacts.search import (
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    MAX_TYPO_WORD,
    ContactIndex,
    MatchKind,
    SearchHit,
)
from linda_tui.models import Contact


def person(n: int, name: str | list[str] = "", *phones: str, **fields: list[str]) -> Contact:
    names = [name] if isinstance(name, str) and name else (name or [])
    return Contact(
        resource_name=f"people/c{n:04d}",
        names=list(names),
        phones=list(phones),
        emails=fields.get("emails", []),
        labels=fields.get("labels", []),
    )


def names(hits: list[SearchHit]) -> list[str]:
    return [hit.contact.display_name for hit in hits]


def ids(hits: list[SearchHit]) -> list[str]:
    return [hit.contact.resource_name for hit in hits]


def kinds(hits: list[SearchHit]) -> dict[str, MatchKind]:
    return {hit.contact.display_name: hit.kind for hit in hits}


# --- names: case, accents, scripts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("José García", "jose garcia"),
        ("josé", "JOSÉ"),
        ("Jose", "josé"),
        ("Çelik Öztürk", "celik ozturk"),
        ("Jürgen Groß", "jurgen gross"),
        ("Søren Bjørn", "soren bjorn"),
        ("Łukasz Wójcik", "lukasz wojcik"),
        ("Antonín Dvořák", "dvorak"),
        ("Ahmet Yılmaz", "yilmaz"),
        ("Zoë Chloé", "zoe chloe"),
        ("Æsa Œdipe", "aesa oedipe"),
        ("Hélène François", "HELENE françois"),
        ("İsmail", "ismail"),
        ("ＦＵＬＬＷＩＤＴＨ", "fullwidth"),
        ("Дмитрий Иванов", "дмитрий"),
        ("王伟", "王"),
    ],
)
def test_case_and_accents_are_ignored(stored: str, typed: str) -> None:
    index = ContactIndex.build([person(1, stored, "+971501234567"), person(2, "Someone Else")])
    assert names(index.search(typed)) == [stored]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("مُحَمَّد", "محمد"),  # tashkeel stored, typed without
        ("محمد", "مُحَمَّد"),  # and the other way round
        ("مـحـمـد", "محمد"),  # tatweel
        ("أحمد", "احمد"),  # alef with hamza above
        ("إبراهيم", "ابراهيم"),  # alef with hamza below
        ("آمنة", "امنه"),  # alef with madda, ta marbuta
        ("ٱلله", "الله"),  # alef wasla
        ("احمد", "أحمد"),
        ("فاطمة", "فاطمه"),  # ta marbuta / ha
        ("فاطمه", "فاطمة"),
        ("ليلى", "ليلي"),  # alef maqsura / ya
        ("عائشة", "عايشه"),  # hamza on ya
        ("مؤمن", "مومن"),  # hamza on waw
        ("کریمی", "كريمي"),  # Persian keheh and farsi yeh
        ("علی", "علي"),
        ("علي", "علی"),
        ("نور الهدى", "الهدي"),
        ("المنصوري", "منصوري"),  # without the article
        ("سارة", "\u200fسارة\u200e"),  # RTL / LTR marks in the query
    ],
)
def test_arabic_is_found_whatever_its_spelling(stored: str, typed: str) -> None:
    index = ContactIndex.build([person(1, stored), person(2, "غير ذلك")])
    assert names(index.search(typed)) == [stored]


def test_arabic_indic_digits_find_numbers() -> None:
    index = ContactIndex.build([person(1, "Sara", "+971501234567")], region="AE")
    assert names(index.search("٠٥٠ ١٢٣ ٤٥٦٧")) == ["Sara"]
    assert names(index.search("۴۵۶۷")) == ["Sara"]  # Persian digits


def test_any_part_of_a_name_is_found() -> None:
    index = ContactIndex.build(
        [person(1, "Mohammed Al-Mansouri"), person(2, "Abd Allah Hassan"), person(3, "Zed")]
    )
    assert names(index.search("mansouri")) == ["Mohammed Al-Mansouri"]
    assert names(index.search("al mansouri")) == ["Mohammed Al-Mansouri"]
    assert names(index.search("almansouri")) == ["Mohammed Al-Mansouri"]
    assert names(index.search("ansour")) == ["Mohammed Al-Mansouri"]  # inside a word
    assert names(index.search("abdallah")) == ["Abd Allah Hassan"]
    assert names(index.search("o'brien")) == []
    assert names(index.search("hass")) == ["Abd Allah Hassan"]


@pytest.mark.parametrize("prefix", ["", "label:vip "])
def test_every_name_of_a_contact_counts_and_the_first_is_shown(prefix: str) -> None:
    index = ContactIndex.build(
        [
            person(1, ["Zed Young", "Sara Second"], labels=["VIP"]),
            person(2, ["Sara First"], labels=["VIP"]),
        ]
    )
    hits = index.search(prefix + "sara s")
    assert [(h.contact.display_name, h.kind) for h in hits] == [
        ("Zed Young", MatchKind.NAME_PREFIX),
        ("Sara First", MatchKind.WORD_PREFIX),
    ]
    assert names(index.search(prefix + "sara")) == ["Sara First", "Zed Young"]


def test_apostrophes_and_punctuation_join_or_split_as_people_type_them() -> None:
    index = ContactIndex.build([person(1, "Sean O'Brien"), person(2, "Anne-Marie D'Souza")])
    assert names(index.search("obrien")) == ["Sean O'Brien"]
    assert names(index.search("O’Brien")) == ["Sean O'Brien"]  # curly apostrophe
    assert names(index.search("dsouza")) == ["Anne-Marie D'Souza"]
    assert names(index.search("anne marie")) == ["Anne-Marie D'Souza"]
    assert names(index.search("marie")) == ["Anne-Marie D'Souza"]


# --- typos ----------------------------------------------------------------------------------


def test_one_typo_is_forgiven() -> None:
    index = ContactIndex.build(
        [person(1, "Mohammed Saleh"), person(2, "John Smith"), person(3, "Fatima Khan")]
    )
    assert kinds(index.search("mohamed")) == {"Mohammed Saleh": MatchKind.FUZZY}
    assert kinds(index.search("jonh")) == {"John Smith": MatchKind.FUZZY}  # swapped letters
    assert kinds(index.search("fatma")) == {"Fatima Khan": MatchKind.FUZZY}  # missing letter
    assert kinds(index.search("smyth")) == {"John Smith": MatchKind.FUZZY}  # wrong letter
    assert kinds(index.search("jonh smith")) == {"John Smith": MatchKind.FUZZY}


def test_long_words_forgive_two_typos_and_short_words_none() -> None:
    index = ContactIndex.build([person(1, "Christopher Ali"), person(2, "Ala Omar")])
    assert names(index.search("kristopher")) == ["Christopher Ali"]  # wrong + missing
    assert names(index.search("christphr")) == ["Christopher Ali"]  # two missing letters
    assert names(index.search("xhristopjer")) == ["Christopher Ali"]  # two wrong letters
    assert names(index.search("chritsopher")) == ["Christopher Ali"]  # swap + nothing else
    assert names(index.search("christopherr")) == ["Christopher Ali"]
    assert names(index.search("christopgerr")) == ["Christopher Ali"]  # wrong + extra
    # Three letters are too few for a typo: "ali" must not find "Ala".
    assert names(index.search("ali")) == ["Christopher Ali"]
    assert names(index.search("omor")) == ["Ala Omar"]


def test_three_typos_are_not_a_match() -> None:
    index = ContactIndex.build([person(1, "Mohammed")])
    assert index.search("muhamad") == []  # o->u, missing m, e->a


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+971501234567",
        "+971 50 123 4567",
        "00971501234567",
        "00971 50 123 4567",
        "050 123 4567",
        "0501234567",
        "(050) 123-4567",
        "050.123.4567",
        "971501234567",
        "+971-50-123-4567",
        # With the extension an address book writes: the line is what WhatsApp reaches.
        "050 123 4567 ext 5",
        "+971501234567;ext=2",
        "0501234567 x12",
    ],
)
def test_a_whole_number_in_any_formatting_is_an_exact_match(typed: str) -> None:
    index = ContactIndex.build(
        [person(1, "Sara", "+971501234567"), person(2, "Omar", "+971501234568")], region="AE"
    )
    hits = index.search(typed)
    assert ids(hits)[0] == "people/c0001"
    assert hits[0].kind is MatchKind.NUMBER


def test_the_local_form_depends_on_the_region() -> None:
    uk = ContactIndex.build([person(1, "Ann", "+442079460123")], region="GB")
    assert [h.kind for h in uk.search("020 7946 0123")] == [MatchKind.NUMBER]
    assert uk.get_by_phone("020 7946 0123") is not None
    ae = ContactIndex.build([person(1, "Ann", "+442079460123")], region="AE")
    assert ae.get_by_phone("020 7946 0123") is None


def test_partial_digits_find_the_end_first_then_anywhere() -> None:
    index = ContactIndex.build(
        [
            person(1, "Ends", "+971501234567"),
            person(2, "Middle", "+971504567123"),
            person(3, "Other", "+971509999999"),
            person(4, "Also ends", "+12025554567"),
        ]
    )
    hits = index.search("4567")
    assert names(hits) == ["Also ends", "Ends", "Middle"]
    assert [h.kind for h in hits] == [
        MatchKind.NUMBER_END,
        MatchKind.NUMBER_END,
        MatchKind.NUMBER_PART,
    ]
    assert names(index.search("45 67")) == names(hits)  # spaces inside the digits
    assert names(index.search("050 456")) == ["Middle"]  # a local prefix, partly typed


def test_fewer_than_three_digits_match_no_number() -> None:
    index = ContactIndex.build([person(1, "Sara", "+971501234567")])
    assert index.search("45") == []
    assert index.search("4") == []
    assert names(index.search("456")) == ["Sara"]


def test_every_number_of_a_contact_finds_it() -> None:
    index = ContactIndex.build(
        [person(1, "Sara", "+971501234567", "+442079460123", "+12025550123")]
    )
    for number in ("+971501234567", "+442079460123", "+12025550123"):
        assert names(index.search(number)) == ["Sara"]
        contact = index.get_by_phone(number)
        assert contact is not None and contact.resource_name == "people/c0001"


def test_numbers_the_sync_could_not_parse_are_searched_by_their_digits() -> None:
    sara = person(1, "Sara")
    index = ContactIndex.build([(sara, ["12345 ext 9", "0800 FLOWERS"])])
    assert [h.kind for h in index.search("123459")] == [MatchKind.NUMBER]
    assert names(index.search("2345")) == ["Sara"]
    assert names(index.search("0800")) == ["Sara"]
    assert index.get_by_phone("12345 ext 9") is sara
    # Letters are not read as keypad digits: FLOWERS is not 3569377.
    assert index.search("3569377") == []
    assert index.get_by_phone("0800 3569377") is None


def test_get_by_phone_is_an_exact_lookup() -> None:
    sara, omar = person(1, "Sara", "+971501234567"), person(2, "Omar", "+971501234568")
    index = ContactIndex.build([sara, omar], region="AE")
    assert index.get_by_phone("+971501234567") is sara
    assert index.get_by_phone("0501234568") is omar
    assert index.get_by_phone("4567") is None  # partial digits are not a lookup
    assert index.get_by_phone("+971501234569") is None
    for junk in ("", "   ", "abc", "+", "0" * 100, "\x00", "٠٥٠"):
        assert index.get_by_phone(junk) is None


def test_a_shared_number_gives_every_contact_and_the_first_in_order() -> None:
    zed, amy = person(1, "Zed", "+971501234567"), person(2, "Amy", "+971501234567")
    index = ContactIndex.build([zed, amy])
    assert index.get_by_phone("+971501234567") is amy
    assert index.find_by_phone("+971501234567") == [amy, zed]


# --- emails and labels ----------------------------------------------------------------------


def test_any_part_of_an_email_is_found() -> None:
    index = ContactIndex.build(
        [
            person(1, "Imran", emails=["imran.khan87@example.org"]),
            person(2, "Priya", emails=["priya@example.com"]),
        ]
    )
    assert names(index.search("khan87")) == ["Imran"]
    assert names(index.search("an87")) == ["Imran"]
    assert names(index.search("imran.khan87@example.org")) == ["Imran"]
    assert names(index.search("example.org")) == ["Imran"]
    assert names(index.search("EXAMPLE")) == ["Imran", "Priya"]
    assert [h.kind for h in index.search("example")] == [MatchKind.EMAIL] * 2


@pytest.mark.parametrize("small_filter", [0, 5000], ids=["big filter", "small filter"])
def test_labels_filter_and_match_as_a_whole(
    small_filter: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "SMALL_FILTER", small_filter)
    index = ContactIndex.build(
        [
            person(1, "Ahmed Vip", labels=["Tenants"]),
            person(2, "Ahmed Saleh", labels=["VIP", "Real Estate"]),
            person(3, "Sara", labels=["VIP"]),
            person(4, "Vipul"),
        ]
    )
    assert names(index.search("label:vip")) == ["Ahmed Saleh", "Sara"]
    assert names(index.search("LABEL:VIP")) == ["Ahmed Saleh", "Sara"]
    assert names(index.search("label:vip ahmed")) == ["Ahmed Saleh"]
    assert [h.kind for h in index.search("label:vip ahmed")] == [MatchKind.NAME_PREFIX]
    assert [h.kind for h in index.search("label:vip saleh")] == [MatchKind.WORD_PREFIX]
    assert names(index.search("label:vip a")) == ["Ahmed Saleh"]
    assert names(index.search('label:"real estate"')) == ["Ahmed Saleh"]
    assert names(index.search("label:real-estate")) == ["Ahmed Saleh"]
    assert names(index.search("label:nobody")) == []
    assert names(index.search("label:vip label:tenants")) == []
    # A plain word that is a whole label finds it, ranked after names that start with it.
    hits = index.search("vip")
    assert names(hits) == ["Vipul", "Ahmed Vip", "Ahmed Saleh", "Sara"]
    assert [h.kind for h in hits] == [
        MatchKind.NAME_PREFIX,
        MatchKind.WORD_PREFIX,
        MatchKind.LABEL,
        MatchKind.LABEL,
    ]
    assert names(index.search("real estate")) == ["Ahmed Saleh"]
    assert names(index.search("label:")) == []  # nothing to filter by: nothing to search


# --- ranking --------------------------------------------------------------------------------


def test_results_are_ranked_by_how_they_match() -> None:
    index = ContactIndex.build(
        [
            person(1, "Khalid Almansour"),  # inside a word
            person(2, "Mansur Khan"),  # one typo
            person(3, "Ali Mansour"),  # a word starts with it
            person(4, "Mansour Ali"),  # the name starts with it
            person(5, "Zaid", emails=["mansour.z@example.com"]),  # email
            person(6, "Nobody"),
        ]
    )
    hits = index.search("mansour")
    assert [(h.contact.display_name, h.kind) for h in hits] == [
        ("Mansour Ali", MatchKind.NAME_PREFIX),
        ("Ali Mansour", MatchKind.WORD_PREFIX),
        ("Zaid", MatchKind.EMAIL),
        ("Khalid Almansour", MatchKind.SUBSTRING),
        ("Mansur Khan", MatchKind.FUZZY),
    ]
    assert [h.kind.reason for h in hits] == ["name", "name", "email", "in name", "similar name"]


def test_an_exact_number_comes_before_everything() -> None:
    index = ContactIndex.build(
        [
            person(1, "Aaron", "+971501234567"),
            person(2, "Zed", "+971509994567"),
            person(3, "Mona", "+971501234567".replace("4567", "4599")),
        ]
    )
    hits = index.search("+971509994567")
    assert [(h.contact.display_name, h.kind) for h in hits] == [("Zed", MatchKind.NUMBER)]
    hits = index.search("994567")
    assert names(hits) == ["Zed"] and hits[0].kind is MatchKind.NUMBER_END


def test_several_words_must_all_match_each_by_its_best_way() -> None:
    index = ContactIndex.build(
        [
            person(1, "Priya Nair"),
            person(2, "Nair Priya"),
            person(3, "Priya Sharma"),
            person(4, "Priyanka Nairobi"),
            person(5, "Ravi Nair", emails=["priya.home@example.com"]),
        ]
    )
    hits = index.search("priya nair")
    assert [(h.contact.display_name, h.kind) for h in hits] == [
        ("Priya Nair", MatchKind.NAME_PREFIX),  # the whole query starts the name
        ("Nair Priya", MatchKind.WORD_PREFIX),
        ("Priyanka Nairobi", MatchKind.WORD_PREFIX),
        ("Ravi Nair", MatchKind.EMAIL),  # the worst of its words decides
    ]
    assert names(index.search("nair 0501")) == []  # no number at all


def test_ties_are_in_a_stable_order_whatever_the_insertion_order() -> None:
    contacts = [
        person(3, "ali"),
        person(1, "Ali"),
        person(2, "ALI"),
        person(4, "Alí Baba"),
        person(5, "Ali Baba"),
        person(6, "", "+971501230000"),  # no name: sorts after every name
        person(7, "Alia"),
    ]
    expected = None
    for seed in range(5):
        shuffled = list(contacts)
        random.Random(seed).shuffle(shuffled)
        index = ContactIndex.build(shuffled)
        got = ids(index.search("ali"))
        assert got == ids(index.search("ali"))  # the same twice in a row
        expected = expected or got
        assert got == expected
    assert expected == [
        "people/c0001",
        "people/c0002",
        "people/c0003",
        "people/c0004",
        "people/c0005",
        "people/c0007",
    ]
    index = ContactIndex.build(contacts)
    assert [c.resource_name for c in index.sorted_contacts(limit=10)] == [
        *expected[:5],
        "people/c0007",
        "people/c0006",
    ]
    assert [c.resource_name for c in index.sorted_contacts(limit=2, offset=5)] == [
        "people/c0007",
        "people/c0006",
    ]


def test_limit_keeps_the_best_results() -> None:
    contacts = [person(n, f"Ahmed {n:03d}") for n in range(300)]
    contacts += [person(1000 + n, f"Omar Ahmed {n:03d}") for n in range(300)]
    index = ContactIndex.build(contacts)
    hits = index.search("ahmed", limit=310)
    assert len(hits) == 310
    assert [h.kind for h in hits] == [MatchKind.NAME_PREFIX] * 300 + [MatchKind.WORD_PREFIX] * 10
    assert names(hits[:2]) == ["Ahmed 000", "Ahmed 001"]
    assert names(hits[300:302]) == ["Omar Ahmed 000", "Omar Ahmed 001"]
    assert ids(index.search("ahmed", limit=5)) == ids(hits[:5])
    assert index.search("ahmed", limit=0) == []
    assert index.search("ahmed", limit=-3) == []


# --- keeping up with syncs ------------------------------------------------------------------


def test_add_replace_and_remove_as_syncs_land() -> None:
    index = ContactIndex.build([person(1, "Sara Haddad", "+971501234567")])
    index.add(person(2, "Omar Saleh", "+971501112222"))
    assert names(index.search("omar")) == ["Omar Saleh"]

    index.add(person(1, "Sara Khoury", "+971503334444"))  # renamed, new number
    assert names(index.search("haddad")) == []
    assert names(index.search("khoury")) == ["Sara Khoury"]
    assert index.get_by_phone("+971501234567") is None
    assert index.get_by_phone("+971503334444").names == ["Sara Khoury"]  # type: ignore[union-attr]
    assert len(index) == 2

    assert index.remove("people/c0002") == 1
    assert index.search("omar") == []
    assert index.search("1112222") == []
    assert index.remove("people/c0002", "people/c9999") == 0
    assert len(index) == 1 and "people/c0001" in index and "people/c0002" not in index

    deleted = person(1, "Sara Khoury")
    deleted.deleted = True
    index.update([deleted])
    assert len(index) == 0 and index.search("sara") == []
    assert index.get("people/c0001") is None


def test_a_full_sync_resending_every_contact_keeps_results_and_takes_the_new_records() -> None:
    first = [person(n, f"Name {n}", f"+9715012{n:05d}", labels=["VIP"]) for n in range(50)]
    index = ContactIndex.build(first)
    before = [(h.contact.resource_name, h.kind) for h in index.search("name 1")]
    again = [person(n, f"Name {n}", f"+9715012{n:05d}", labels=["VIP"]) for n in range(50)]
    again[7].names = ["Renamed"]
    index.update(again)
    assert index.get("people/c0003") is again[3]  # the newer record is what results carry
    assert names(index.search("renamed")) == ["Renamed"]
    assert [(h.contact.resource_name, h.kind) for h in index.search("name 1")] == before
    assert "Name 7" not in names(index.search("name 7"))


def test_a_record_changed_in_place_and_added_again_is_indexed_again() -> None:
    sara = person(1, "Sara", "+971501234567")
    index = ContactIndex.build([sara])
    sara.names = ["Layla"]
    sara.phones = ["+971507654321"]
    index.add(sara)
    assert index.search("sara") == [] and names(index.search("layla")) == ["Layla"]
    assert index.get_by_phone("+971501234567") is None
    assert index.get_by_phone("+971507654321") is sara


def test_a_reused_slot_keeps_nothing_of_the_removed_contact() -> None:
    index = ContactIndex.build(
        [person(1, "Zainab Qasim", "+971501234567", emails=["zq@example.com"], labels=["VIP"])]
    )
    index.remove("people/c0001")
    index.add(person(2, "Bob"))
    for query in ("zainab", "qasim", "4567", "zq", "label:vip", "vip"):
        assert index.search(query) == [], query
    assert names(index.search("bob")) == ["Bob"]


@pytest.mark.parametrize("few_added", [32, 0], ids=["insert one by one", "merge in"])
def test_updates_give_the_same_results_as_building_from_scratch(
    few_added: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vocabulary, "FEW_ADDED", few_added)
    rng = random.Random(7)
    first = ["Ahmed", "Sara", "José", "محمد", "Priya", "Ali", "Omar", "Fatima"]
    last = ["Khan", "Al Mansouri", "García", "Nair", "Saleh", "حداد"]

    def random_contact(n: int) -> Contact:
        phones = [f"+9715012{rng.randrange(10**5):05d}" for _ in range(rng.randint(0, 2))]
        return person(
            n,
            f"{rng.choice(first)} {rng.choice(last)}",
            *phones,
            emails=[f"user{rng.randrange(50)}@example.{rng.choice(['com', 'org'])}"],
            labels=rng.sample(["VIP", "Tenants", "Family"], rng.randint(0, 2)),
        )

    live: dict[str, Contact] = {}
    index = ContactIndex()
    for _ in range(40):  # sync pages: adds, changes and deletions
        page = [random_contact(rng.randrange(120)) for _ in range(rng.randint(1, 30))]
        for contact in page:
            if rng.random() < 0.2:
                contact.deleted = True
                live.pop(contact.resource_name, None)
            else:
                live[contact.resource_name] = contact
        index.update(page)
        gone = rng.sample(sorted(live), min(len(live), rng.randint(0, 3)))
        index.remove(*gone)
        for name in gone:
            del live[name]
    rebuilt = ContactIndex.build(list(live.values()))
    assert len(index) == len(rebuilt) == len(live)
    queries = ["a", "ah", "ahmed", "al mansouri", "محمد", "jose", "4567", "5012", "user1",
               "example.org", "label:vip", "family", "fatma", "khan saleh", "+971 50 12"]  # fmt: skip
    for query in queries:
        expected = [(h.contact.resource_name, h.kind) for h in rebuilt.search(query, limit=200)]
        got = [(h.contact.resource_name, h.kind) for h in index.search(query, limit=200)]
        assert got == expected, query
    assert [c.resource_name for c in index.sorted_contacts(200)] == [
        c.resource_name for c in rebuilt.sorted_contacts(200)
    ]


# --- odd and hostile input ------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", " ", "   ", "\t\n", "\u200f", "\x00", "-", "()", "+"])
def test_empty_queries_find_nothing(query: str) -> None:
    index = ContactIndex.build([person(1, "Sara", "+971501234567")])
    assert index.search(query) == []


HOSTILE = [
    "[(*+?{}|^$\\.",
    ".*",
    "a" * 10_000,
    "ab " * 3_400,
    "محمد" * 2_500,
    "7" * 10_000,
    "+" + "0" * 9_999,
    "".join(chr(c) for c in range(0, 0x2000, 3))[:10_000],
    "\x00ahmed\x00",
    "\x1b[31mahmed\x1b[0m",
    "\x1b]52;c;Y2xpcGJvYXJk\x07",
    "\u202eahmed\u202c",
    "\u200f\u200e\u2066\u2069",
    "ahmed 👍🏽👨‍👩‍👧",
    "🇦🇪",
    "\ud800\udfff",  # lone surrogates
    "label:" * 1_000,
    'label:"' + "x" * 9_000,
    "label:vip " * 500,
    "[bold]ahmed[/]",
    "%s%n%x",
    "'; DROP TABLE contacts; --",
    "ﷲ﷽" * 100,
    "\r\n" * 5_000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_raise(query: str) -> None:
    index = ContactIndex.build(
        [
            person(1, "Ahmed Saleh", "+971501234567", labels=["VIP"]),
            person(2, "محمد حداد", "+971507777777", emails=["m@example.com"]),
            person(3, "", "+12025550123"),
        ]
    )
    hits = index.search(query)
    assert isinstance(hits, list)
    assert all(isinstance(hit, SearchHit) for hit in hits)
    assert index.search(query, limit=1) == hits[:1]
    assert index.get_by_phone(query) is None


def test_non_text_queries_find_nothing() -> None:
    index = ContactIndex.build([person(1, "Sara")])
    assert index.search(None) == []  # type: ignore[arg-type]
    assert index.search(b"sara") == []  # type: ignore[arg-type]
    assert index.search("sara", limit="5") == []  # type: ignore[arg-type]
    assert index.get_by_phone(None) is None  # type: ignore[arg-type]


def test_hostile_queries_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """However long or wordy a query is, only a bounded part of it is worked on: typo
    candidates are never generated for a huge word, and at most 8 words are used."""
    longest: list[int] = [0]
    real_variants = typos.deletion_variants

    def counting(word: str, depth: int = 1) -> set[str]:
        longest[0] = max(longest[0], len(word))
        return real_variants(word, depth)

    monkeypatch.setattr(vocabulary, "deletion_variants", counting)
    index = ContactIndex.build([person(n, f"Name{n} Word{n}") for n in range(200)])
    for query in HOSTILE:
        index.search(query)
    assert 0 < longest[0] <= MAX_TYPO_WORD

    seen_terms: list[int] = []
    real_run = search_module._Query.run

    def spy(self: search_module._Query, limit: int) -> list[tuple[int, MatchKind]]:
        seen_terms.append(len(self.terms))
        return real_run(self, limit)

    monkeypatch.setattr(search_module._Query, "run", spy)
    index.search(" ".join(f"w{n}x" for n in range(1000)))
    assert seen_terms == [MAX_QUERY_WORDS]
    parsed = search_module._Query.parse("x" * 50_000, index)
    assert parsed is not None and len(parsed.terms[0]) == MAX_QUERY_CHARS


def test_hostile_contact_data_is_indexed_within_bounds() -> None:
    huge = person(
        1,
        ["A" * 100_000, "[bold]Markup[/bold]", "\x1b[31mEscape"],
        *(f"+9715012{n:05d}" for n in range(500)),
        emails=["x" * 50_000 + "@example.com"],
        labels=["L" * 10_000],
    )
    raw = ["9" * 10_000, "\x00\x00", ""]
    index = ContactIndex.build([(huge, raw), person(2, "Normal", "+971509999999")])
    assert names(index.search("markup")) == [huge.display_name]
    assert names(index.search("escape")) == [huge.display_name]
    assert names(index.search("+971501200099")) == [huge.display_name]  # among the first 100
    assert index.search("+971501200499") == []  # beyond MAX_ITEMS numbers
    assert names(index.search("normal")) == ["Normal"]
    index.remove("people/c0001")
    assert names(index.search("9999")) == ["Normal"]


def test_broken_records_are_indexed_as_far_as_they_go() -> None:
    broken = Contact(resource_name="people/broken", names=None, phones=["+971501234567", 42])  # type: ignore[arg-type,list-item]
    broken.emails = None  # type: ignore[assignment]
    broken.labels = [None]  # type: ignore[list-item]
    index = ContactIndex.build([broken, person(2, "Fine")])
    assert index.get_by_phone("+971501234567") is broken
    assert names(index.search("fine")) == ["Fine"]
    assert index.remove("people/broken") == 1


def test_folding_is_idempotent_and_never_keeps_control_characters() -> None:
    samples = [
        "José",
        "مُحَمَّد",
        "\x1b[31mx",
        "a\u200fb",
        "Straße",
        "İ",
        "ﷲ",
        "٠١٢",
        "x\x00y",
    ]
    for text in samples:
        once = fold(text)
        assert fold(once) == once
        assert not any(ord(c) < 32 or 0x200B <= ord(c) <= 0x200F for c in once)


def test_words_with_an_x_and_digits_are_not_taken_for_an_extension() -> None:
    from linda_tui.contacts.search import _without_typed_extension

    assert _without_typed_extension("Room 12 x5") == "Room 12 x5"  # letters: words
    assert _without_typed_extension("4567 x5") == "4567 x5"  # too short for a number
    assert _without_typed_extension("050 123 4567 ext 5") == "050 123 4567"
