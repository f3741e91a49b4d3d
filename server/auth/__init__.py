"""Identity: clerk accounts and roles (citizen accounts and the eID follow). Routes: views.bp."""
