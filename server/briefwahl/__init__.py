"""Briefwahl: a voter applies for the polling card (Wahlschein) and postal-vote documents
(Briefwahlunterlagen) of the election the city configures (``ELECTION_*``), until the deadline of
§ 27 Abs. 4 BWO (18:00 on the second day before the election). The election office (Wahlamt)
checks the application against the voters' register, which lives outside the portal, and records
the dispatch; the voter sees "versandt" and gets a mail."""
