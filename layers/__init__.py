"""Map layers: a declarative registry and one folium renderer. Never imports streamlit."""
