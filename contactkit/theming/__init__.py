"""Which theme each site's contactkit pages are shown in (Settings → Theme in the admin)."""
