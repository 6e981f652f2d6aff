"""Storage behind one interface: `Store` (see base.py), with memory and SQLite implementations."""
