"""What the API answers besides JSON: its errors, and files (reports, exports, packages)."""

from __future__ import annotations

import io

from flask import Response, jsonify, request, send_file

from optunagui.reports import PdfError, html_to_pdf

__all__ = [
    "API_PREFIX",
    "MEDIA",
    "REPORT_FORMATS",
    "ApiProblem",
    "file_response",
    "problem_response",
    "report_format",
    "report_response",
]

API_PREFIX = "/api/v1"
REPORT_FORMATS = ("html", "pdf")
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet",
         "zip": "application/zip"}


class ApiProblem(Exception):
    """A request the API refuses: answered as ``{"error": message}`` with ``status``, and
    ``"problems": [{"field", "message"}, ...]`` when there are several things to fix."""

    def __init__(self, status: int, message: str,
                 problems: list[dict[str, str]] | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []
        self.retry_after = retry_after

    def document(self) -> dict[str, object]:
        found: dict[str, object] = {"error": str(self)}
        if self.problems:
            found["problems"] = self.problems
        return found


def problem_response(error: ApiProblem) -> tuple[Response, int]:
    response = jsonify(error.document())
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response, error.status


def file_response(data: bytes, kind: str, filename: str) -> Response:
    """``data`` as a download named ``filename``, with the media type of ``kind``."""
    return send_file(io.BytesIO(data), mimetype=MEDIA[kind], as_attachment=True,
                     download_name=filename)


def report_format() -> str:
    """The ``format`` query argument of a report request (default html)."""
    fmt = request.args.get("format", "html")
    if fmt not in REPORT_FORMATS:
        raise ApiProblem(400, f"format: expected one of {', '.join(REPORT_FORMATS)}, got {fmt!r}")
    return fmt


def report_response(page: str, fmt: str, name: str) -> Response:
    """A report page as ``name.html``, or printed to ``name.pdf``."""
    if fmt == "html":
        data = page.encode("utf-8")
    else:
        try:
            data = html_to_pdf(page)
        except PdfError as error:
            raise ApiProblem(503, str(error)) from None
    return file_response(data, fmt, f"{name}.{fmt}")
