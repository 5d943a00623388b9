"""Read models built only from events: badge, status, audit trail."""
