"""The benchmark of ctdash at scale: `python -m bench.run --help`.

One module per measured part, and what they share:

    run.py           the command line: options, the parts in order, the report written
    stores.py        the synthetic stores made by `ctdash demo`, and the filters chosen once
    measuring.py     the median of timed runs, a ratio, and the error a measurement raises
    reads.py         the `data` part: every read the pages make, timed
    map_json.py      the Map page's points and deck JSON, timed and weighed
    page_scripts.py  the `app` part: each page's script run through AppTest
    servers.py       `streamlit run` of the app as deployed, and of the one-line app
    chromium.py      one timed page load in Debian's Chromium, and what each page waits for
    browser.py       the `browser` part: fresh page loads beside the one-line app
    open_sessions.py     ten sessions kept open, and the server's memory with them
    cold_start.py    the `cold` part: from starting the server to the first visitor's tile
    postgres_store.py    the largest size's store on PostgreSQL, made by `ctdash demo`
    sessions.py      the `sessions` part: many sessions opening the Overview at once
    protocol.py      sessions of Streamlit's own WebSocket protocol, without a browser
    soak.py          the `soak` part: thousands of loads, failures and resident memory
    soak_views.py    the pages and URL filters the soak opens, drawn from a store's values
    soak_loads.py    one load of the soak, read to its end and judged
    resident_memory.py   the resident memory of a process and its children
    results.py       everything one run measured
    targets.py       the targets, judged by ratios taken in the same run
    report.py, report_browser.py, report_postgres.py   the Markdown report
    formatting.py    how figures are written in the report
"""
