"""Excel exports of the patrols lists and reports: inspection records, enforcement cases, the
enforcement statistics (by family, unit, month) and the night-inspection coverage, through the core
writer's write-only sheets, so long lists stream through in constant memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from envgrid.core.spreadsheets import add_sheet, new_workbook, workbook_bytes
from envgrid.patrols.choices import MeasureKind
from envgrid.patrols.selectors import STAT_MEASURES


def measure_labels() -> list[str]:
    return [str(MeasureKind(k).label) for k in STAT_MEASURES]


def _sheet(book, title: str, columns: Sequence[tuple[str, int]], rows: Iterable[list]) -> None:
    add_sheet(book, title, columns, rows, freeze=False)


def inspections_workbook(inspections) -> bytes:
    book = new_workbook()
    columns = [
        (_("Number"), 18),
        (_("Kind"), 10),
        (_("Object"), 30),
        (_("Grid"), 22),
        (_("Units"), 30),
        (_("Inspector"), 10),
        (_("Started at"), 17),
        (_("Ended at"), 17),
        (_("Checklist"), 24),
        (_("Problems found"), 8),
        (_("Plan"), 24),
        (_("Longitude"), 11),
        (_("Latitude"), 11),
        (_("Summary"), 40),
    ]
    rows = (
        [
            i.number,
            i.get_kind_display(),
            str(i.supervised_object or ""),
            str(i.grid or ""),
            "、".join(u.name for u in i.units.all()),
            str(i.inspector),
            i.started_at,
            i.ended_at,
            str(i.checklist or ""),
            getattr(i, "finding_count", int(i.has_findings)),
            str(i.plan or ""),
            i.lon,
            i.lat,
            i.summary,
        ]
        for i in inspections.select_related("checklist").iterator(chunk_size=500)
    )
    _sheet(book, _("Inspections"), columns, rows)
    return workbook_bytes(book)


def enforcement_workbook(cases) -> bytes:
    book = new_workbook()
    columns = [
        (_("Number"), 18),
        (_("Title"), 30),
        (_("Status"), 10),
        (_("Party"), 26),
        (_("Source family"), 18),
        (_("Street / town"), 14),
        (_("Lead unit"), 18),
        (_("Units involved"), 30),
        (_("Violation"), 40),
        (_("Legal basis"), 40),
        (_("Measures"), 30),
        (_("Fine (yuan)"), 12),
        (_("Publicized"), 24),
        (_("Filed on"), 12),
        (_("Decided on"), 12),
        (_("Closed on"), 12),
    ]

    def row(c) -> list:
        measures = list(c.measures.all())
        fines = sum((m.fine_amount or 0) for m in measures)
        return [
            c.number,
            c.title,
            c.get_status_display(),
            c.party,
            str(c.family or ""),
            str(c.street or ""),
            str(c.lead_unit),
            "、".join(u.name for u in c.units.all()),
            c.violation,
            c.legal_basis,
            "、".join(str(m.get_kind_display()) for m in measures),
            float(fines) if fines else None,
            "、".join(f"{p.get_channel_display()} {p.published_on}" for p in c.publicity.all()),
            c.filed_on,
            c.decided_on,
            c.closed_on,
        ]

    _sheet(book, _("Enforcement cases"), columns, (row(c) for c in cases))
    return workbook_bytes(book)


def stats_workbook(stats) -> bytes:
    """One sheet per breakdown (family, unit, month), the same columns as the page."""
    book = new_workbook()
    columns = [(_("Group"), 26), (_("Cases"), 8), (_("Open"), 8), (_("Closed"), 8)]
    columns += [(label, 10) for label in measure_labels()]
    columns += [(_("Fines total (yuan)"), 16), (_("Publicized"), 10)]

    def rows(items):
        for r in [*items, stats.total]:
            yield [r.label, r.cases, r.open, r.closed, *r.measure_counts(), float(r.fine_total), r.publicized]

    period = f"{stats.first}–{stats.last}"
    for title, items in [
        (_("By family"), stats.by_family),
        (_("By unit"), stats.by_unit),
        (_("By month"), stats.by_month),
    ]:
        _sheet(book, f"{title} {period}", columns, rows(items))
    return workbook_bytes(book)


def coverage_workbook(coverage) -> bytes:
    book = new_workbook()
    columns = [
        (_("Unit / street"), 26),
        (_("Targets due"), 10),
        (_("Inspected at night"), 12),
        (_("Coverage %"), 10),
        (_("Visits due"), 10),
        (_("Night visits"), 10),
        (_("Not inspected"), 60),
    ]

    def rows(items):
        for r in items:
            yield [
                r.label,
                r.targets_due,
                r.targets_inspected,
                r.percent,
                r.visits_due,
                r.visits_done,
                "、".join(r.missed),
            ]

    _sheet(book, _("By unit"), columns, rows(coverage.by_unit))
    _sheet(book, _("By street"), columns, rows(coverage.by_street))
    return workbook_bytes(book)
