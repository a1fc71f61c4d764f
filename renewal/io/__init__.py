"""Files in and out: the one reader (:mod:`renewal.io.read`), the writers (:mod:`renewal.io.write`) and
atomic file writing (:mod:`renewal.io.atomic`). No domain rules here: importers and exporters of each
layer (sites, facilities, ...) are thin layers over these."""
