"""Bewohnerparkausweis: a resident parking permit for a zone (§ 45 Abs. 1b Nr. 2a StVO). A
citizen with an account (or the eID) whose address lies in a zone applies with the plate and
the vehicle registration; the fee per year from the zones table is paid before the
Straßenverkehrsbehörde sees it; the clerk approves, the citizen downloads the permit as a PDF
with a QR code that an enforcement officer's phone checks at a public page, and the fines
office is warned when a case names a plate with a valid permit."""
