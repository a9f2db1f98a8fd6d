"""Every message a shopper sends: stored first, routed, answered from the admin, never lost."""
