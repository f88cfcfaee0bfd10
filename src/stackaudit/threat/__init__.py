"""Threat model per journey: the journeys declared in config (``journeys.py``), STRIDE threats per
element of the service map linked to the findings that evidence them (``stride.py``), the dated
review record the quarterly diff reads (``review.py``) and the outputs (``render.py``).

Built from the service map (``scope/``) and stored findings only; the audited code is never run.
"""
