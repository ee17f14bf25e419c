"""Contact strategies: per acreedor and etapa, automated steps by day offset."""
