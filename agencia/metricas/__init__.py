"""Metrics: daily rollups computed by RQ jobs, read by the dashboards and the portal."""
