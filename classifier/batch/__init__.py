"""Batch scoring: sources (feeds, folders, JSON Lines dumps; :mod:`.sources`) fetched over a bounded
HTTP client (:mod:`.http`), scored by an engine (:mod:`.engines`, :mod:`.dask_engine`) in a resumable
run (:mod:`.run`) into SQLite (:mod:`.store`), summarised (:mod:`.summary`, :mod:`.report`) and
exported (:mod:`.export`)."""
