"""Signals of the monitoring app.

``readings_stored`` is sent after the transaction that stored readings has committed, by every ingest path
(file upload and JSON API per batch; the HJ 212 receiver once a second for everything it committed in that
second, after its answers), with ``readings``: a list of ``(station_id, cn, data_time)`` of the rows written
or found already stored. Receivers (rollups, alerts) must be light — note what changed and enqueue work —
because they run in the ingest's own process and thread.
"""

from django.dispatch import Signal

readings_stored = Signal()
