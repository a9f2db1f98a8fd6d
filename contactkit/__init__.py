"""contactkit: contact, about and returns pages, trust data and a shopper inbox for Wagtail."""

__version__ = "0.1.0.dev0"
