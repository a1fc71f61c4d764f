"""Analysis: walking networks, the 15-minute life-circle coverage engine, what-if, siting, accessibility.

Pure computing in EPSG:4548 metres; no Streamlit, no folium, no storage.
"""
