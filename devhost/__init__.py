"""A local Azure Functions runtime for this project (not deployed).

Azure Functions Core Tools cannot be installed offline, so `python -m devhost` loads
`function_app.py` unchanged, serves its HTTP triggers, fires its blob and timer triggers and
runs Durable orchestrations through the azure-functions-durable SDK's own replay code, with
state kept in Table Storage (Azurite).
"""
