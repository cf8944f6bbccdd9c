"""Write the exact model that is solved as an LP or MPS file (names from ids)."""
from __future__ import annotations

from pathlib import Path

from .build import Model
from .errors import InputError, Problem


def write_model_file(model: Model, path: str | Path) -> Path:
    """Write `.lp` or `.mps` (chosen by suffix) atomically."""
    import os
    import tempfile

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".lp", ".mps"):
        raise InputError(Problem(file="--write-model", value=str(path), message="the file must end in .lp or .mps"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        if suffix == ".lp":
            model.prob.writeLP(tmp)
        else:
            model.prob.writeMPS(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
