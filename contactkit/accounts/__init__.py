"""Sign-in through python-social-auth: shoppers' "My messages" and the social profiles a shop
has proven it controls (docs/sign-in.md)."""
