"""The Streamlit glue between the pages and ctdash: one job per module.

signin: who is looking (local accounts, single sign-on, idleness); page: what every run and page
does first; engine: the store of the process, its data version and its failures; readers: the
cached reads, each told who is looking; links: URL-synced views and share links; filters: the
sidebar filters of the Map and Activities; accounts: sign-in and
roles; desk_review, desk_uploads, desk_newsletter, desk_history: the data desk's tabs.
"""
