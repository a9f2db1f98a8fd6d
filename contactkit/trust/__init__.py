"""The trust report: what a shopper, a regulator and a search engine will miss about a shop
(docs/trust-report.md)."""
