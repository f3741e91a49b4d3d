"""The declarative form engine that online services are made of: steps, validation, drafts,
submissions, uploads, receipts (``engine``, ``validation``, ``submissions``, ...).

Areas publish their services with ``server.forms.registry.register_definition``; the base form
every area builds on is ``server.portal_form.PortalForm``, not part of the engine.
"""
