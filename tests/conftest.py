"""Shared test setup. Area-specific fixtures live in each tests/<area>/conftest.py."""
