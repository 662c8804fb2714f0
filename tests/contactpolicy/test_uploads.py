"""What an uploaded file may hold (contactpolicy/uploads): a PDF whose script runs when it
is opened, a Word file with macros, a zip bomb are refused with the reason in plain
words; ordinary letters, cards and scans are still taken."""

import io
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contactpolicy.exceptions import UploadRejected
from contactpolicy.uploads import upload_check
from tests.files import (
    OLE_MAGIC,
    content_types,
    doc_bytes,
    docx_bomb,
    docx_bytes,
    docx_with_macros,
    pdf_bytes,
    pdf_locked,
    pdf_with_embedded_file,
    pdf_with_launch_action,
    pdf_with_many_parts,
    pdf_with_obfuscated_script,
    pdf_with_open_script,
    pdf_with_rich_media,
    pdf_with_script_in_an_object_stream,
    pdf_with_xfa,
)

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XFA_WITH_SCRIPT = (
    b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform><event '
    b'activity="initialize"><script contentType="application/x-javascript">app.alert(1)'
    b"</script></event></subform></template></xdp:xdp>"
)
XFA_WITHOUT_SCRIPT = b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>'


def check(name: str, content: bytes) -> tuple[str, str]:
    return upload_check(SimpleUploadedFile(name, content))


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(UploadRejected) as refused:
        check(name, content)
    return str(refused.value)


# PDFs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "says"),
    [
        (pdf_with_open_script, "This PDF contains a script that runs when it is opened."),
        (pdf_with_obfuscated_script, "This PDF contains a script that runs when it is opened."),
        (
            pdf_with_script_in_an_object_stream,
            "This PDF contains a script that runs when it is opened.",
        ),
        (
            lambda: pdf_with_xfa(XFA_WITH_SCRIPT),
            "This PDF contains a script that runs when it is opened.",
        ),
        (pdf_with_launch_action, "tries to open a program or another file"),
        (pdf_with_embedded_file, "This PDF has other files hidden inside it."),
        (pdf_with_rich_media, "Flash or other media"),
    ],
    ids=[
        "open-action-javascript",
        "names-hidden-in-hex-escapes",
        "script-in-a-compressed-object-stream",
        "xfa-form-script",
        "launch-action",
        "embedded-file",
        "rich-media",
    ],
)
def test_a_pdf_that_runs_opens_or_carries_something_is_refused_saying_what(build, says):
    message = refusal("letter.pdf", build())

    assert says in message
    assert "Save it again as a plain PDF (Print to PDF) and attach that." in message


def test_a_pdf_locked_with_a_password_cannot_be_checked_so_is_refused():
    message = refusal("letter.pdf", pdf_locked(user_password="secret"))

    assert "locked with a password" in message
    assert "save it again without the password" in message


def test_a_pdf_made_of_more_parts_than_can_be_checked_quickly_is_refused():
    assert check("report.pdf", pdf_with_many_parts(5_000))[0] == "application/pdf"

    message = refusal("report.pdf", pdf_with_many_parts(25_000))

    assert message.startswith("This PDF could not be checked: it is made of far more parts")


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n" + b"not really a PDF at all " * 20,
        pdf_bytes()[:200],  # cut short in the post
    ],
    ids=["junk-after-the-header", "truncated"],
)
def test_a_pdf_that_cannot_be_read_is_refused(content):
    message = refusal("letter.pdf", content)

    assert message.startswith("This PDF could not be read")


@pytest.mark.parametrize(
    "content",
    [
        pdf_bytes(),
        pdf_bytes(50_000),
        pdf_locked(user_password=""),  # anyone may open it: only changing it needs a password
        pdf_with_xfa(XFA_WITHOUT_SCRIPT),
    ],
    ids=["one-page", "larger", "owner-password-only", "xfa-form-without-script"],
)
def test_an_ordinary_pdf_is_still_accepted(content):
    assert check("Thank you card.pdf", content) == ("application/pdf", "Thank_you_card.pdf")


# Word documents -----------------------------------------------------------------------


def test_a_word_document_is_still_accepted():
    assert check("letter.docx", docx_bytes()) == (WORD, "letter.docx")


def test_a_long_letter_full_of_photos_is_still_accepted():
    words = random.Random(19).choices(
        ["thank", "you", "for", "the", "lovely", "card", "Ava", "class", "trip", "school"],
        k=400_000,
    )
    photos = {f"word/media/image{n}.jpeg": random.Random(n).randbytes(200_000) for n in range(20)}
    text = "<w:document><w:body><w:p><w:r><w:t>" + " ".join(words) + "</w:t></w:r></w:p>"
    content = docx_bytes({"word/document.xml": text + "</w:body></w:document>", **photos})

    assert check("report.docx", content) == (WORD, "report.docx")


@pytest.mark.parametrize(
    "content",
    [
        docx_with_macros(),  # a .docm renamed .docx
        docx_bytes({"word/vbaProject.bin": OLE_MAGIC + bytes(1000)}),  # the macros alone
        docx_bytes(
            types=content_types(main="application/vnd.ms-word.document.macroEnabled.main+xml")
        ),
        docx_bytes({"word/activeX/activeX1.xml": "<ax:ocx/>"}),
    ],
    ids=["macro-enabled-document", "vba-project", "macro-enabled-content-type", "activex-control"],
)
def test_a_word_file_with_macros_is_refused_saying_so(content):
    message = refusal("letter.docx", content)

    assert message.startswith("This Word file contains macros")
    assert "save it again as a Word document (.docx) or a PDF" in message


@pytest.mark.parametrize(
    "parts",
    [
        {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": docx_bytes()},
        {"word/embeddings/oleObject1.bin": OLE_MAGIC + bytes(500)},
        {"word/media/image2.png": docx_bytes()},  # a zip under a photo's name
        {"customXml/item9.xml": b"Rar!\x1a\x07\x00" + bytes(100)},
    ],
    ids=["embedded-workbook", "embedded-ole-object", "zip-named-as-a-photo", "rar-archive"],
)
def test_a_word_file_with_other_files_packed_inside_is_refused(parts):
    message = refusal("letter.docx", docx_bytes(parts))

    assert message.startswith("This Word file has other files packed inside it")


def test_a_word_file_that_unpacks_to_a_hundred_times_its_size_is_refused_without_unpacking():
    bomb = docx_bomb(100)
    assert len(bomb) < 200_000  # small to post, 100 MB when opened

    message = refusal("letter.docx", bomb)

    assert message.startswith("This Word file would grow to 100.0\xa0MB when opened, from ")
    assert "Do not open it" in message


def test_a_zip_bomb_spread_over_many_small_parts_is_refused_too():
    zeros = bytes(900_000)  # each part under the size judged on its own
    content = docx_bytes({f"word/glossary/part{n}.xml": zeros for n in range(60)})

    assert "would grow to" in refusal("letter.docx", content)


def test_a_word_file_made_of_too_many_parts_is_refused():
    content = docx_bytes({f"word/media/photo{n}.png": b"\x89PNG" for n in range(1000)})

    assert "is made of 1,004 parts, far more than a letter would have" in refusal(
        "letter.docx", content
    )


def test_a_word_file_locked_with_a_password_is_refused():
    content = docx_bytes()
    # The general-purpose flag of each entry: bit 0 says the part is encrypted.
    locked = content.replace(b"PK\x03\x04\x14\x00\x00\x00", b"PK\x03\x04\x14\x00\x01\x00").replace(
        b"PK\x01\x02\x14\x03\x14\x00\x00\x00", b"PK\x01\x02\x14\x03\x14\x00\x01\x00"
    )
    with zipfile.ZipFile(io.BytesIO(locked)) as archive:
        assert all(part.flag_bits & 1 for part in archive.infolist())

    assert "locked with a password" in refusal("letter.docx", locked)


def test_an_old_style_word_file_is_refused_with_how_to_save_it_as_docx():
    message = refusal("letter.doc", doc_bytes())

    assert message.startswith("Old-style Word files (.doc) cannot be attached")
    assert "save it as a Word document (.docx) or a PDF" in message


# The checks from before still hold ----------------------------------------------------


def test_a_word_document_named_pdf_is_refused_by_its_content():
    assert "its content is DOCX" in refusal("letter.pdf", docx_bytes())


def test_a_hostile_pdf_over_the_size_limit_is_refused_for_its_size_first(settings):
    settings.ATTACHMENT_MAX_BYTES = 100

    assert "Try a smaller photo or scan." in refusal("letter.pdf", pdf_with_open_script())
