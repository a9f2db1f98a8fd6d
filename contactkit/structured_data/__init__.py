"""The shop as schema.org structured data (JSON-LD), built from the same models as its pages."""
