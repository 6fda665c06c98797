"""Contamap: landmine and explosive-ordnance contamination served as OGC API - Features."""
