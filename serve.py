"""The dashboard as served: app.py's pages on Streamlit's ASGI entry point, with /healthz and
/readyz beside them (ctdash.server). `streamlit run serve.py` starts it on port 8501."""

import logging
import threading

import streamlit as st

from ctdash import freshness, server


def warm_pages() -> None:
    """The pages' reads of their default views, made at start so the first visitor finds them."""
    # Imported once Streamlit's runtime runs: the readers' caches are then its own.
    from ctdash.web import readers

    # Read outside any page's run, the caches warn once that there is none; that is expected.
    warning = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    warning.addFilter(lambda record: record.threadName != threading.current_thread().name)
    readers.warm_default_views(freshness.clock())


app = st.App(
    "app.py",
    routes=server.ROUTES,
    middleware=server.MIDDLEWARE,
    lifespan=server.lifespan_warming(warm_pages),
    on_script_error=server.on_script_error,
)

if __name__ == "__main__":
    app.run()
