"""The shop's returns policy as rules, from which the returns text and structured data derive."""
