"""The services behind the API: one module per resource family (reports, clients, branding,
shares, exclusions, bulk operations, cleanup, analytics, audit). Above the pipeline: services
start and read reports; nothing in the pipeline imports a service."""
