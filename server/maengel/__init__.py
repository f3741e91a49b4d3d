"""Mängelmelder: citizens report defects in public space (a pothole, a broken streetlight,
litter) with a category, a place (typed, or the phone's position), photos and, if they want an
answer, an e-mail address. The Baubetriebshof works the reports on the form engine's inbox; what
it answers in public, with the status, is listed for everyone on a public page without anything
about the person who reported (``reports``)."""
