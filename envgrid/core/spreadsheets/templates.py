"""Downloadable upload templates: the header row (required columns in red), one example row, and a help sheet
that explains each column and, below, any notes."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from envgrid.core.spreadsheets.columns import Column
from envgrid.core.spreadsheets.writer import DATE_FORMAT, HEADER_FILL, neutralise, workbook_bytes

REQUIRED_FILL = PatternFill("solid", fgColor="B02A37")


def template_workbook(columns: Sequence[Column], *, title: str, notes: Sequence[str] = ()) -> bytes:
    """An .xlsx with the columns as headers, an example row and a help sheet (columns, then ``notes``)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header())
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        if column.example is not None:
            example = sheet.cell(row=2, column=index, value=column.example)
            if hasattr(column.example, "year"):
                example.number_format = DATE_FORMAT
        sheet.column_dimensions[get_column_letter(index)].width = max(column.width, len(column.header()) * 2 + 4)
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(_("Help"))
    help_sheet.append([_("Column"), _("Required"), _("Only for"), _("Notes")])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in columns:
        help_sheet.append([column.header(), _("Yes") if column.required else "", column.kind, column.hint_zh])
    if notes:
        help_sheet.append([])
        for note in notes:
            help_sheet.append([note])
    help_sheet.column_dimensions["A"].width = 22
    help_sheet.column_dimensions["D"].width = 40
    return workbook_bytes(neutralise(workbook))
