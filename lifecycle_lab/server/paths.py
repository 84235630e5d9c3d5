"""Confining API paths to the server root: ``path`` values in and out of the REST API are relative to it.

A path a client sends is refused with NotFound (so the answer reveals nothing
about what lies outside) when it is absolute, has a ``..`` segment, or
resolves, through symlinks, to somewhere outside the root.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..errors import NotFound


class ServerRoot:
    """The folder the server serves (``contents_manager.root_dir``), symlinks resolved."""

    def __init__(self, root_dir: str | Path) -> None:
        self.path = Path(root_dir).expanduser().resolve()

    def resolve(self, relative: str, *, base: Path | None = None, must_exist: bool = True) -> Path:
        """The absolute path of ``relative`` under ``base`` (default: the root); NotFound when it leads out of the root.

        ``relative`` uses '/' separators; '' is ``base`` itself.
        """
        missing = NotFound(f"no such path {relative!r} under the server root")
        pure = PurePosixPath(relative)
        if relative.startswith("/") or "\\" in relative or "\x00" in relative or ".." in pure.parts:
            raise missing
        try:
            absolute = ((base or self.path) / pure).resolve()
            if self.relative(absolute) is None or (must_exist and not absolute.exists()):
                raise missing
        except (OSError, RuntimeError):  # a name too long, a symlink loop: nothing a client can reach
            raise missing from None
        return absolute

    def relative(self, absolute: str | Path) -> str | None:
        """The API path ('' for the root, '/' separators) of ``absolute``; None when it is outside the root."""
        try:
            inside = Path(absolute).resolve().relative_to(self.path)
        except ValueError:
            return None
        return "" if inside == Path(".") else inside.as_posix()

    def project_path(self, project_id: str, directory: str | Path) -> str:
        """The API path of project ``project_id``'s ``directory``; NotFound when it is outside the root.

        A project the shared store knows but that lives outside this server's root does not exist here.
        """
        relative = self.relative(directory)
        if relative is None:
            raise NotFound(f"no project with id {project_id!r} under the server root")
        return relative
