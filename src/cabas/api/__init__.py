"""The JSON API (django-ninja, OpenAPI at /api/docs): thin handlers over the apps' services.

Each handler parses its input, checks permissions with `access_for` (deny by default), calls a
service or a read model and returns a schema. See docs/api.md.
"""
