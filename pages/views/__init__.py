"""Small view modules of the pages: pure helpers and page parts (not pages themselves)."""
