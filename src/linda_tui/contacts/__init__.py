"""Google Contacts: the People API client, the sync, and instant search over the contacts."""
