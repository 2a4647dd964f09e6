"""Shared contracts and infrastructure glue for Auftakt's services (never business rules)."""
