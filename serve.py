"""The dashboard as served: app.py's pages on Streamlit's ASGI entry point, with /healthz and
/readyz beside them (ctdash.server). `streamlit run serve.py` starts it on port 8501."""

import streamlit as st

from ctdash import server

app = st.App(
    "app.py",
    routes=server.ROUTES,
    middleware=server.MIDDLEWARE,
    lifespan=server.lifespan,
    on_script_error=server.on_script_error,
)

if __name__ == "__main__":
    app.run()
