"""The IDE's pages, htmx partials and websocket consumers."""
