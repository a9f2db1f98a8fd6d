"""The pages shoppers read: Contact, About us, Returns and the legal notice."""
