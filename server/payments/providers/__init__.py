"""Payment providers behind one typed interface; ``registry`` picks the configured one."""
