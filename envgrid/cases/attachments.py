"""Evidence files on a case: checked and stored by ``envgrid.core.evidence`` as the case's attachments."""

from __future__ import annotations

from collections.abc import Sequence

from envgrid.core.evidence import check_files, store_checked


def attach_files(*, case, event, files: Sequence, uploaded_by) -> list:
    """Store the files as the case's attachments on ``event``; raises ``EvidenceError`` (nothing stored)
    when any of them is refused."""
    from envgrid.cases.models import CaseAttachment

    checked = check_files(files)
    return store_checked(checked, new=lambda **f: CaseAttachment(case=case, event=event, **f), uploaded_by=uploaded_by)
