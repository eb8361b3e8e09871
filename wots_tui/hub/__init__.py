"""The crowd hub: a self-hosted service on PostgreSQL that racers' apps share their votes with.

Only the command line (`wots-tui hub`) imports it; the app talks to a hub over HTTP (store/crowd.py).
"""
