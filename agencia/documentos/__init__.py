"""Documents attached to a caso or obligacion: contracts, invoices, payment proofs."""
