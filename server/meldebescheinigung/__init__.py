"""Meldebescheinigung: a certificate of registration (§ 18 BMG) for a citizen logged in with
the eID at level high. The simple one (§ 18 Abs. 1) states name and address, the extended one
(§ 18 Abs. 2) adds the date of birth and the date of moving in. The fee is paid before the
registration office (Bürgerbüro) sees the application; the clerk checks the register, which lives
outside the portal, enters the address and move-in date it holds, and issues: as a PDF the citizen
downloads from the status page, or by post. A refused application is refunded in full."""
