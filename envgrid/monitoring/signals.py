"""Signals of the monitoring app.

``readings_stored`` is sent after the transaction that stored readings has committed, by every ingest path
(HJ 212 receiver, file upload, JSON API), with ``readings``: a list of ``(station_id, cn, data_time)`` of the
rows written or found already stored in that batch. Receivers (rollups, alerts) must be light — note what
changed and enqueue work — because the HJ 212 receiver waits for them before acknowledging the next batch.
"""

from django.dispatch import Signal

readings_stored = Signal()
