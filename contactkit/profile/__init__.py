"""Who is behind the shop and how a shopper reaches a person: the one source every page reads."""
