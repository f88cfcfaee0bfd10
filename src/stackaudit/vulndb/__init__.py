"""Offline vulnerability database: OSV advisories, CISA KEV and EPSS in the shared store,
version matching per ecosystem, and enrichment into ``VulnerabilityInfo``."""
