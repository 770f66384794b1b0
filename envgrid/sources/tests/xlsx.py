"""Build small workbooks in memory for the import tests."""

import io

from openpyxl import Workbook


def workbook_bytes(header: list, rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
