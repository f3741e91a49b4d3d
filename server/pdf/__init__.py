"""What every PDF of the portal shares; what a document says belongs to its area.

- ``fonts``: DejaVu Sans and Sans Mono, found and registered (``PdfError`` when missing).
- ``text``: text as the font can print it, a size that fits a line, amounts in German.
- ``page``: the DIN 5008 A4 page and ``Page``: margins, fonts, metadata, letterhead, paragraphs.
- ``letter``: ``WindowLetter``, the window-envelope letter: address window, information block,
  fold and hole marks (the fines office's letters and the objection form).
- ``receipt``: ``ReceiptDocument``, the downloaded receipt page with label/value rows and a footer
  with the page count (form receipts, hearing receipts, proofs of payment).
"""
