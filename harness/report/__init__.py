"""Reporting: leaderboards, published reports, annotated videos."""
