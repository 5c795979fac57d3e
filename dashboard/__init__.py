"""The Streamlit dashboard: app.py routes, views/ renders, queries.py holds all SQL, db.py the connection."""
