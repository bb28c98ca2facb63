"""Cabas: software for citizen purchasing groups and the regional clubs that federate them."""
