"""Security: audit hash chain, CSRF, sessions, login rate limit, headers."""
