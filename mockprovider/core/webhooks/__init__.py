"""Webhook messages, the outbox records that carry them, and their delivery."""
