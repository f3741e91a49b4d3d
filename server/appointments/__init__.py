"""Appointments at the city's offices (Terminportal): locations, services, slots, bookings."""
