"""The thin web layer: the Starlette app, hosted pages, the /_sandbox control API."""
