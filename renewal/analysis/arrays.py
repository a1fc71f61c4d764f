"""Array type names shared by the analysis modules (numpy.typing, for annotations only)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Distances, areas, populations, coordinates (an (n, 2) array for points).
FloatArray = npt.NDArray[np.float64]
#: Indices (edges, nodes, facilities; -1 for none).
IntArray = npt.NDArray[np.int64]
#: Masks.
BoolArray = npt.NDArray[np.bool_]
#: Arrays of Python objects (shapely geometries, ids, names).
ObjectArray = npt.NDArray[np.object_]
#: Anything numpy turns into an array (a mask, index list, coordinates).
ArrayLike = npt.ArrayLike

__all__ = ["ArrayLike", "BoolArray", "FloatArray", "IntArray", "ObjectArray"]
