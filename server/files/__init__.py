"""Files people send: content checks (``checks``) and where the files are kept (``storage``)."""
