"""Subcommands of ``python -m renewal``.

Each module in this package defines ``register(subparsers)``, which adds its
subparser and sets ``func`` (a callable taking the parsed namespace and
returning an exit code). Commands that render maps need folium, which this
package must not import; they live in ``layers`` and are listed by module
name in :data:`EXTERNAL_COMMAND_MODULES`.
"""

#: Modules outside ``renewal`` that provide commands (loaded by name).
EXTERNAL_COMMAND_MODULES = ("layers.commands",)
