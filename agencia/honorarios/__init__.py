"""The agency's fees (honorarios): a percentage per acreedor and etapa on each payment."""
