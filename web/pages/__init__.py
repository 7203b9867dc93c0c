"""The pages, one module per thing a consultant looks at: the portfolio, a client, a report,
the administration pages and the static files."""
