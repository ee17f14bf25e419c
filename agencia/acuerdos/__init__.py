"""Negotiation: the acreedor's mandate, payment plans and early-payment offers, approvals."""
