"""Azure Resource Manager: reading a client's Advisor recommendations through the Azure SDK."""
