"""Parking fines: cases, offences, letters, hearing, nominations."""
