"""Activation: consented audiences from the warehouse, synced to HubSpot lists and Meta custom audiences."""
