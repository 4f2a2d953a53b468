import pytest

from exhibit.models import ArchivalReference
from tests.factories import make_reference, make_repository


@pytest.mark.django_db
def test_galo_reference_renders_short_and_long_forms():
    reference = make_reference()
    assert reference.short_citation == "GALO, f. 2176, op. 1, d. 1"
    assert reference.long_form == "Fond 2176/Opis 1/Delo 1"
    assert str(reference) == "GALO, f. 2176, op. 1, d. 1"


@pytest.mark.django_db
def test_folio_range_with_verso_uses_ll_and_ob():
    rgva = make_repository(abbreviation="RGVA", name="Russian State Military Archive")
    reference = make_reference(
        repository=rgva, fond="33987", opis="3", delo="295", leaf_start="5", leaf_end="7",
        leaf_end_verso=True,
    )  # fmt: skip
    assert reference.short_citation == "RGVA, f. 33987, op. 3, d. 295, ll. 5–7ob."
    assert reference.long_form == "Fond 33987/Opis 3/Delo 295/Listy 5–7ob."


@pytest.mark.django_db
def test_single_folio_and_lettered_numbers_are_kept_as_text():
    reference = make_reference(fond="R-1234", opis="1a", delo="012", leaf_start="12")
    assert reference.short_citation == "GALO, f. R-1234, op. 1a, d. 012, l. 12"


@pytest.mark.django_db
def test_edinitsa_khraneniia_unit():
    reference = make_reference(file_unit=ArchivalReference.FileUnit.ED_KHR, delo="7")
    assert reference.short_citation == "GALO, f. 2176, op. 1, ed. khr. 7"


@pytest.mark.django_db
def test_western_box_folder_reference():
    nara = make_repository(abbreviation="NARA", name="US National Archives")
    reference = ArchivalReference.objects.create(
        repository=nara,
        system=ArchivalReference.System.BOX,
        collection="Collection of Foreign Records Seized",
        box="12",
        folder="3",
    )
    assert (
        reference.short_citation == "NARA, Collection of Foreign Records Seized, box 12, folder 3"
    )
    assert reference.long_form == "Collection of Foreign Records Seized/Box 12/Folder 3"


@pytest.mark.django_db
def test_full_citation_names_repository_title_and_date():
    reference = make_reference(title="German pilots on the way to Lipetsk", date="c. 1928")
    assert reference.full_citation == (
        "State Archive of Lipetsk Oblast [GALO], Fond 2176/Opis 1/Delo 1, "
        "German pilots on the way to Lipetsk, c. 1928"
    )


@pytest.mark.django_db
def test_reference_without_fond_is_invalid():
    reference = ArchivalReference(repository=make_repository(), fond="")
    with pytest.raises(Exception, match="fond"):
        reference.full_clean()
