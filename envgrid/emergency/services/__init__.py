"""Writes of the emergency app, split by sub-domain: the duty roster (``duty``), warnings and their spot-check
plan (``warnings``), recording checks (``checks``) and the emission-reduction list (``measures``)."""
