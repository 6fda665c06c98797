"""Build the bundled Azerbaijan dataset: districts, former line of contact, incidents, zones."""
