# Convenience wrappers around the README's two commands.
.PHONY: run test
run:
	python -m pip install -r requirements.txt && python -m streamlit run app.py
test:
	python -m pip install -r requirements-dev.txt && python -m pytest
