"""Durable Functions for the devhost: persistence, the orchestration engine and its HTTP API."""
