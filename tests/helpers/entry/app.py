"""app.py as AppTest runs it: from a folder with no pages/ beside it.

Beside a pages/ folder, AppTest runs a switched-to page alone, without app.py's navigation
(Streamlit's older multipage mode, which AppTest sets up again before every run). From here,
every AppTest run goes through app.py, as every run of the server does.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[3] / "app.py"), run_name="__main__")
