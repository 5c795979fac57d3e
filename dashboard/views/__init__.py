"""One module per dashboard page; each reads its state from the URL and its data from dashboard.queries."""
