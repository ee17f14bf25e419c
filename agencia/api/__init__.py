"""JSON API v1 for creditor integrations: per-acreedor tokens with scopes."""
