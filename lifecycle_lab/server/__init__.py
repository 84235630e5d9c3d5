"""The jupyter-server extension: configuration, REST handlers and the OpenAPI contract.

Modules: ``extension`` (the ExtensionApp, its traits and the ``ROUTES`` table), ``base`` (the handler
base class: JSON in/out, errors, If-Match, worker pools), ``handlers`` (checklist endpoints),
``runs`` (reproducibility reruns), ``export`` (downloads), ``spec`` + ``openapi.yaml`` (the contract),
``contract`` (each request body validated against its schema there), ``paths`` (confinement to the server
root), ``viewcache`` (rendered project views). A real server subprocess for tests and benchmarks is in
``lifecycle_lab.pytest_plugin``.

To add endpoints in a new module ``server/<topic>.py``:

1. Subclass ``base.LifecycleHandler`` (set ``auth_resource = "kernels"`` for runs); decorate every
   method ``@web.authenticated`` then ``@authorized``.
2. Read input with ``self.json_body("Schema")`` (validated against ``openapi.yaml``), ``self.query_int()``,
   ``self.query_flag()``; find the project with ``self.project(project_id)`` (404 outside the server root)
   and the user with ``self.actor``;
   run anything blocking through ``await self.call(fn, ...)``; raise ``LifecycleError`` subclasses
   (400/404/409 with ``{"message"}``); answer with ``self.write_json(body, status=..., etag=...)``.
3. Export ``HANDLERS = [(rf"/projects/{PROJECT_ID}/runs", RunsHandler), ...]`` (patterns relative to
   ``/lifecycle-lab/api``) and add them to ``ROUTES`` in ``extension.py``.
4. Describe the paths in ``openapi.yaml`` (reuse ``#/components/parameters/ProjectId`` and the
   ``BadRequest``/``Forbidden``/``NotFound``/``TooLarge`` responses). The contract tests fail until
   routes and spec agree; the security tests call every spec operation without a token; the
   schemathesis test fuzzes every operation.
"""
