"""Bitnami sealed secrets: sealing compatible with kubeseal and the controller."""
