"""“Cite this page” formats against strings checked by hand against the Chicago (17th ed.,
web page, bibliography) and MLA 9 (web page) patterns in exhibit/services/citing.py."""

import datetime as dt

from exhibit.services.citing import (
    CitedPage,
    author_from_sort_name,
    bibtex_escape,
    bibtex_key,
    cite_page,
)

ACCESSED = dt.date(2026, 11, 26)
URL = "https://exhibit.example.org/essays/flight-school-lipetsk/"


def essay_page(**overrides):
    fields = {
        "title": "The Flight School at Lipetsk",
        "url": URL,
        "site_name": "Rapallo Archive",
        "accessed": ACCESSED,
        "authors": (("Author", "Anna"),),
        "published": dt.date(2025, 1, 1),
        "identifier": "essay7",
    }
    fields.update(overrides)
    return CitedPage(**fields)


def test_essay_with_one_author():
    citation = cite_page(essay_page())
    assert citation.chicago == (
        "Author, Anna. “The Flight School at Lipetsk.” Rapallo Archive. January 1, 2025. "
        "Accessed November 26, 2026. https://exhibit.example.org/essays/flight-school-lipetsk/."
    )
    assert citation.mla == (
        "Author, Anna. “The Flight School at Lipetsk.” Rapallo Archive, 1 Jan. 2025, "
        "exhibit.example.org/essays/flight-school-lipetsk/. Accessed 26 Nov. 2026."
    )
    assert citation.bibtex == (
        "@misc{author2025flight,\n"
        "  author = {Author, Anna},\n"
        "  title = {{The Flight School at Lipetsk}},\n"
        "  howpublished = {Rapallo Archive},\n"
        "  year = {2025},\n"
        "  month = jan,\n"
        "  url = {https://exhibit.example.org/essays/flight-school-lipetsk/},\n"
        "  urldate = {2026-11-26},\n"
        "  note = {Accessed 26 November 2026},\n"
        "}"
    )


def test_two_authors():
    citation = cite_page(essay_page(authors=(("Author", "Anna"), ("Petrov", "Boris"))))
    assert citation.chicago.startswith("Author, Anna, and Boris Petrov. “The Flight")
    assert citation.mla.startswith("Author, Anna, and Boris Petrov. “The Flight")
    assert "  author = {Author, Anna and Petrov, Boris},\n" in citation.bibtex


def test_three_authors_are_et_al_in_mla_and_listed_in_chicago():
    authors = (("Author", "Anna"), ("Petrov", "Boris"), ("Volkova", "Vera"))
    citation = cite_page(essay_page(authors=authors))
    assert citation.chicago.startswith("Author, Anna, Boris Petrov, and Vera Volkova. “The")
    assert citation.mla.startswith("Author, Anna, et al. “The Flight School at Lipetsk.”")
    assert "{Author, Anna and Petrov, Boris and Volkova, Vera}" in citation.bibtex


def test_title_ending_in_a_question_mark_gets_no_extra_period():
    citation = cite_page(essay_page(title="Who Paid for Kama?"))
    assert "“Who Paid for Kama?” Rapallo Archive." in citation.chicago
    assert "“Who Paid for Kama?” Rapallo Archive," in citation.mla


def test_section_names_its_exhibit_in_italics():
    page = essay_page(
        title="Lipetsk",
        url="https://exhibit.example.org/exhibits/rapallo/lipetsk/",
        authors=(("Curator", "Carla"),),
        container="Secret Cooperation, 1922–1933",
        published=dt.date(2025, 3, 9),
    )
    citation = cite_page(page)
    assert citation.chicago == (
        "Curator, Carla. “Lipetsk.” In Secret Cooperation, 1922–1933. Rapallo Archive. "
        "March 9, 2025. Accessed November 26, 2026. "
        "https://exhibit.example.org/exhibits/rapallo/lipetsk/."
    )
    assert citation.chicago_html.startswith(
        "Curator, Carla. “Lipetsk.” In <i>Secret Cooperation, 1922–1933</i>. Rapallo Archive."
    )
    assert citation.mla == (
        "Curator, Carla. “Lipetsk.” Secret Cooperation, 1922–1933, Rapallo Archive, "
        "9 Mar. 2025, exhibit.example.org/exhibits/rapallo/lipetsk/. Accessed 26 Nov. 2026."
    )
    assert citation.mla_html.startswith(
        "Curator, Carla. “Lipetsk.” <i>Secret Cooperation, 1922–1933</i>, "
        "<i>Rapallo Archive</i>, 9 Mar. 2025,"
    )
    assert "  howpublished = {Secret Cooperation, 1922–1933, Rapallo Archive},\n" in (
        citation.bibtex
    )
    assert "  month = mar,\n" in citation.bibtex


def test_undated_page_without_author_cites_by_title_and_access_date():
    page = essay_page(
        title="Pilots disguised as tourists",
        url="https://exhibit.example.org/images/pilots/",
        authors=(),
        published=None,
        identifier="image3",
    )
    citation = cite_page(page)
    assert citation.chicago == (
        "“Pilots disguised as tourists.” Rapallo Archive. Accessed November 26, 2026. "
        "https://exhibit.example.org/images/pilots/."
    )
    assert citation.mla == (
        "“Pilots disguised as tourists.” Rapallo Archive, exhibit.example.org/images/pilots/. "
        "Accessed 26 Nov. 2026."
    )
    assert citation.bibtex.startswith("@misc{page2025pilots,") is False
    assert citation.bibtex.startswith("@misc{pagepilots,\n")
    assert "year" not in citation.bibtex and "month" not in citation.bibtex


def test_html_is_escaped_and_plain_text_is_not():
    citation = cite_page(essay_page(title="<script>alert(1)</script> & Co"))
    assert "<script>" not in citation.chicago_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in citation.chicago_html
    assert "“<script>alert(1)</script> & Co.”" in citation.chicago


def test_bibtex_escapes_special_characters():
    assert bibtex_escape("{a} 100% R&D #1 x_y $5 ~ ^ \\") == (
        r"\{a\} 100\% R\&D \#1 x\_y \$5 \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    citation = cite_page(
        essay_page(title="Costs: 50% & more {sic} #2_b", site_name="Archive & Co_1")
    )
    assert "  title = {{Costs: 50\\% \\& more \\{sic\\} \\#2\\_b}},\n" in citation.bibtex
    assert "  howpublished = {Archive \\& Co\\_1},\n" in citation.bibtex


def test_bibtex_key_is_stable_and_ascii():
    page = essay_page(authors=(("Müller-Lüdenscheidt", "Jörg"),), title="Über die Panzerschule")
    assert bibtex_key(page) == bibtex_key(page) == "mullerludenscheidt2025uber"
    assert cite_page(page).bibtex.startswith("@misc{mullerludenscheidt2025uber,\n")
    # Only Cyrillic left: a key from the title's first Latin word, or the object's identity.
    cyrillic = essay_page(authors=(("Тухачевский", "Михаил"),), title="Танковая школа")
    assert bibtex_key(cyrillic) == "essay7"


def test_corporate_author_is_braced_in_bibtex():
    citation = cite_page(essay_page(authors=(("Krupp Archive Team", ""),)))
    assert "  author = {{Krupp Archive Team}},\n" in citation.bibtex
    assert citation.chicago.startswith("Krupp Archive Team. “The Flight")


def test_author_from_sort_name():
    assert author_from_sort_name("Seeckt, Hans von") == ("Seeckt", "Hans von")
    assert author_from_sort_name("", "Plato") == ("Plato", "")
