"""Hedong urban-renewal GIS platform: the pure domain and analysis package.

Everything that computes lives here. This package never imports streamlit or
folium (enforced by ruff's banned-api rule, see ``pyproject.toml``).
"""

__version__ = "0.1.0"
