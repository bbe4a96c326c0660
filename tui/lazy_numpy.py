"""numpy, imported on first use: the app paints its first frame before numpy loads.

``import numpy as np`` sits at the top of the core and of some widgets; numpy's own import
costs about 100 ms, a fifth of the app's start-up. :func:`defer` puts a stand-in module
under the name ``numpy`` whose first attribute read (``np.array``, ``np.float64``...)
runs numpy's real ``__init__`` into that same module object, so every ``np`` bound
earlier is the real numpy from then on. Until then, importing the app, reading the plan
and composing the panes cost nothing of numpy's; the app prices (and so loads numpy)
right after the first frame (see ``AlvhApp.on_mount``).

Only the real start-up calls :func:`defer` (``alvh-tui`` and the start-up benchmark),
before anything imports numpy; everything else (tests, the headless commands) imports
numpy the ordinary way. (importlib.util.LazyLoader is not enough: on Python 3.11 the
``import numpy`` statement itself reads ``__spec__`` on the module, which loads it.)
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types

_lock = threading.RLock()
_loading: set[str] = set()


class _Deferred(types.ModuleType):
    """A module whose code runs at the first read of an attribute it does not have yet.

    It carries only what the import system reads (``__spec__``, ``__name__``...), so
    ``import numpy`` binds it without running numpy."""

    def __getattr__(self, name: str):
        load(self)
        return getattr(self, name)


def defer(name: str = "numpy") -> bool:
    """Make ``import name`` cheap until the module is used. False when it is imported
    already (or cannot be found): then nothing changes."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return False
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module
    return True


def load(module: types.ModuleType) -> None:
    """Run a deferred module's code now (once, whichever thread asks first)."""
    with _lock:
        if not isinstance(module, _Deferred):
            return  # loaded meanwhile by another thread
        if module.__name__ in _loading:  # its own __init__ reading a name not yet defined
            raise AttributeError(module.__name__)
        _loading.add(module.__name__)
        try:
            spec = module.__spec__
            assert spec is not None and spec.loader is not None
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(module.__name__, None)  # the next import tries afresh, and says why
                raise
            module.__class__ = types.ModuleType  # type: ignore[assignment]  # a plain module from now on
        finally:
            _loading.discard(module.__name__)


def is_loaded(name: str = "numpy") -> bool:
    """Whether ``name`` is imported for real (not deferred, not absent)."""
    module = sys.modules.get(name)
    return module is not None and not isinstance(module, _Deferred)

