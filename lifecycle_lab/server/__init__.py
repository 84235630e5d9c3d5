"""The jupyter-server extension: configuration, REST handlers and the OpenAPI contract."""
