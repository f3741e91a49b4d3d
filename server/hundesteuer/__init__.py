"""Hundesteuer: registering a dog for the city's dog tax. The tax office (Steueramt) approves
with the tax tag number; the year's tax becomes a receivable, pro rata from the month after the
dog came (rates per first, further and listed dog as data); with a SEPA mandate the cash office
collects it in its pain.008 file, otherwise the notice is paid online or by transfer."""
