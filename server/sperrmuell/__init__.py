"""Sperrmüll-Abholung: bulky waste pickups on pickup days per district (issue 20)."""
