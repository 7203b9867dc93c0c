"""The web app: server-rendered pages for consultants at the site root, beside the API.

Pages read and act through the API's own operations (web/bridge.py), so roles, client scope,
validation, limits and audit are exactly the API's; the browser holds no key. Sign-in is App
Service Authentication (Easy Auth): web/principal.py trusts its principal header only where the
platform says authentication is on.
"""
