"""Read a PDF as its reader does: pages of text (poppler's pdftotext and
pdfinfo), for tests of the documents customers receive."""

import re
import subprocess
import tempfile
from collections import namedtuple

PdfText = namedtuple("PdfText", "pages text")
# What a document must never print: OCA contract's invoicing markers,
# unfilled formats, empty values.
PLACEHOLDERS = re.compile(r"#[A-Z]+#|%\(|%s|\bFalse\b|\bNone\b|\bnan\b")
# A time with seconds: 14:05:09.
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")


def render_pdf(env, report, res_ids, data=None):
    """The PDF of ``report``, rendered by wkhtmltopdf as in production.

    Run from an HttpCase: wkhtmltopdf fetches the report's styles from the
    test server (web.base.url), and the test thread must not hold a request
    cursor while it does."""
    env.flush_all()
    content, report_type = (
        env["ir.actions.report"]
        .with_context(force_report_rendering=True)
        ._render_qweb_pdf(report, res_ids, data=data)
    )
    assert report_type == "pdf", report_type
    return content


def pdf_text(content):
    """The pages of a PDF as text (layout kept), and its page count."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        info = subprocess.run(
            ["pdfinfo", pdf.name], capture_output=True, text=True, check=True
        ).stdout
        text = subprocess.run(
            ["pdftotext", "-layout", pdf.name, "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    pages = text.split("\f")[:count]
    return PdfText(count, pages)


def squeeze(text):
    """Text with its layout spaces collapsed, to search phrases in."""
    return " ".join(text.split())


def page_of(document, phrase):
    """Indexes of the pages where ``phrase`` is printed."""
    return [
        index for index, page in enumerate(document.text) if phrase in squeeze(page)
    ]
