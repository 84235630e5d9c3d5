"""Confining API paths to the server root: ``path`` values in and out of the REST API are relative to it.

A path a client sends is refused with NotFound (so the answer reveals nothing
about what lies outside) when it is absolute, has a ``..`` segment, or
resolves, through symlinks, to somewhere outside the root; with a 400 when it
holds a control character (NUL, newline...), which no file name here has.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ..errors import NotFound, ValidationError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def refuse_control_characters(value: str, name: str) -> None:
    """ValidationError (400) naming ``name`` when ``value`` holds a control character (NUL, newline, DEL...)."""
    found = _CONTROL.search(value)
    if found is not None:
        raise ValidationError(f"{name}: contains the control character U+{ord(found.group()):04X}, which no path "
                              "or name here may hold", field=name)


class ServerRoot:
    """The folder the server serves (``contents_manager.root_dir``), symlinks resolved."""

    def __init__(self, root_dir: str | Path) -> None:
        self.path = Path(root_dir).expanduser().resolve()
        spellings = sorted({str(self.path), str(Path(root_dir).expanduser().absolute())}, key=len, reverse=True)
        self._absolute = re.compile("(?:" + "|".join(map(re.escape, spellings)) + r")(?:/|(?![\w.~-]))")

    def relative_text(self, text: str) -> str:
        """``text`` with every absolute path under the root written relative to it (the root itself as '.')."""
        return self._absolute.sub(lambda m: "" if m.group().endswith("/") else ".", text)

    def resolve(self, relative: str, *, base: Path | None = None, must_exist: bool = True) -> Path:
        """The absolute path of ``relative`` under ``base`` (default: the root); NotFound when it leads out of the root.

        ``relative`` uses '/' separators; '' is ``base`` itself.
        """
        refuse_control_characters(relative, "path")
        missing = NotFound(f"no such path {relative!r} under the server root")
        pure = PurePosixPath(relative)
        if relative.startswith("/") or "\\" in relative or ".." in pure.parts:
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
