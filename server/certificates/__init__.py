"""Civil-status certificates (Personenstandsurkunden).

The registry office (Standesamt) keeps the birth, marriage, civil-partnership and death registers
(Geburten-, Ehe-, Lebenspartnerschafts- und Sterberegister, § 3 PStG). Citizens order certificates
(Urkunden) and certified register extracts (beglaubigte Registerausdrucke) from them; who may
receive what is ruled by §§ 62, 63 PStG, what it costs by the city's fee table.
"""
