"""The base class of every object that owns a C handle."""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional


class Handle:
    """An owned C handle: idempotent close(), context manager, shutdown-safe __del__, and no
    dangling pointer into C after close() (using a closed handle raises ValueError)."""

    # The C function that frees this kind of handle; set by each subclass.
    _free: ClassVar[Optional[Callable[[Any], None]]] = None

    def __init__(self, pointer: Any) -> None:
        self._pointer = pointer

    @property
    def _as_parameter_(self) -> Any:
        return self._live()

    def _live(self) -> Any:
        """The C pointer; ValueError once closed (never a dangling pointer into C)."""
        if not self._pointer:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._pointer

    def close(self) -> None:
        """Frees the C handle.  Idempotent."""
        pointer, self._pointer = self._pointer, None
        free = type(self)._free
        if pointer and free is not None:
            free(pointer)

    def __enter__(self) -> "Handle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: module globals may be gone
            pass
