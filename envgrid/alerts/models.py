"""Monitoring alert rules and alerts that open cases in the closed loop."""
