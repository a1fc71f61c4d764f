"""The renewal-site catalogue (更新项目): schema, validation, queries, import and export of sites.

No storage here: the workspace store (:mod:`renewal.storage`) uses this package, never the reverse.
"""
