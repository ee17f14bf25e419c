"""Recalls (devoluciones): the acreedor takes casos back; they close as etapa devuelto."""
