"""PDF building blocks every area uses: the page, fonts and the receipt layout."""
