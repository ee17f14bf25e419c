"""Outbound messages (email, SMS, WhatsApp): an outbox, provider adapters, retries."""
