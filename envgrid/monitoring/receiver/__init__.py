"""The HJ 212 receiver: ``connection`` (one device connection), ``server`` (the ``Receiver``: authentication,
group commit, answers once committed, ``readings_stored``) and ``loops`` (the event loop, ``serve`` and
``manage.py hj212 serve``)."""

from envgrid.monitoring.receiver.loops import LOOPS, add_serve_arguments, loop_factory, serve, serve_from_options
from envgrid.monitoring.receiver.server import Receiver

__all__ = ["LOOPS", "Receiver", "add_serve_arguments", "loop_factory", "serve", "serve_from_options"]
